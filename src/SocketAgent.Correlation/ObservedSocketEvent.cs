using System.Runtime.InteropServices;

namespace SocketAgent.Correlation;

/// <summary>
/// The few fields of one socket event that the join needs, extracted by <see cref="SocketEventReader"/>. Strings that
/// go to the output unchanged (host name, agent id, process name, command line, argv) are kept as their raw JSON
/// text, interned, so they are written back byte for byte and never decoded.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct ObservedSocketEvent
{
    public ObservedAction Action;
    public bool IsSocketDataset;
    public Guid EventId;
    public long Timestamp;
    public long Start;
    public long End;
    public ConnectionTransport Transport;
    public ObservedDirection Direction;
    public bool HasCommunityKey;
    public CommunityKey Key;
    public ulong NetnsInode;
    public EndpointAddress Local;
    public EndpointAddress Remote;
    public byte[]? State;
    public long BytesAcked;
    public long BytesReceived;

    /// <summary>Exact payload this end sent and received (the kernel tracer's closed line), or -1.</summary>
    public long PayloadSent;
    public long PayloadReceived;
    public byte[]? HostName;
    public byte[]? AgentId;
    public int Pid;
    public byte[]? ProcessName;
    public byte[]? CommandLine;
    public byte[]? Args;

    /// <summary>
    /// What runs the process, as the agent's line says it: its <c>container</c>, <c>orchestrator</c>, <c>kubernetes</c>
    /// and <c>systemd</c> members, raw JSON (<c>"container":{…},"kubernetes":{…}</c>), interned; null when none.
    /// </summary>
    public byte[]? Workload;

    public void Reset()
    {
        this = default;
        Timestamp = Start = End = EventTimestamp.Unknown;
        BytesAcked = BytesReceived = PayloadSent = PayloadReceived = -1;
    }
}
