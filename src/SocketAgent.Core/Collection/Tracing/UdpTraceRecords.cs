using System.Runtime.InteropServices;

namespace SocketAgent.Collection.Tracing;

/// <summary>The first datagram of a new UDP flow, as the kernel side wrote it: <c>struct udp_open_record</c> in Bpf/socket_trace.h.</summary>
[StructLayout(LayoutKind.Explicit, Size = 96)]
internal struct UdpOpenTraceRecord
{
    public const uint Kind = 4;

    [FieldOffset(0)] public uint RecordKind;
    [FieldOffset(4)] public uint Pid;
    [FieldOffset(8)] public uint Tid;
    [FieldOffset(12)] public uint Uid;
    [FieldOffset(16)] public ulong TimestampNs;
    [FieldOffset(24)] public ulong Cookie;
    [FieldOffset(32)] public uint Netns;
    [FieldOffset(36)] public TraceFlags Flags;
    [FieldOffset(40)] public ushort Family;
    [FieldOffset(42)] public ushort RemoteFamily;
    [FieldOffset(44)] public ushort SourcePort;
    [FieldOffset(46)] public ushort DestinationPort;
    [FieldOffset(48)] public Address16 SourceAddress;
    [FieldOffset(64)] public Address16 DestinationAddress;
    [FieldOffset(80)] public Comm16 Comm;
}

/// <summary>A UDP socket that had flows was released: <c>struct udp_release_record</c>.</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct UdpReleaseTraceRecord
{
    public const uint Kind = 5;

    [FieldOffset(0)] public uint RecordKind;
    [FieldOffset(8)] public ulong TimestampNs;
    [FieldOffset(16)] public ulong Cookie;
}

/// <summary>The key of the kernel side's flow map: <c>struct udp_flow_key</c> (socket cookie + remote endpoint).</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct UdpFlowKey : IEquatable<UdpFlowKey>
{
    [FieldOffset(0)] public ulong Cookie;
    [FieldOffset(8)] public ushort Family;
    [FieldOffset(10)] public ushort Port;
    [FieldOffset(12)] public uint Pad;
    [FieldOffset(16)] public ulong AddressHigh;
    [FieldOffset(24)] public ulong AddressLow;

    public static UdpFlowKey Of(in UdpOpenTraceRecord r)
    {
        ReadOnlySpan<byte> address = r.DestinationAddress;
        var key = new UdpFlowKey { Cookie = r.Cookie, Family = r.RemoteFamily, Port = r.DestinationPort };
        // As the kernel side builds it: 4 address bytes for AF_INET, the rest zero.
        Span<byte> bytes = stackalloc byte[16];
        if (r.RemoteFamily == 2)
        {
            address[..4].CopyTo(bytes);
        }
        else
        {
            address.CopyTo(bytes);
        }
        key.AddressHigh = MemoryMarshal.Read<ulong>(bytes);
        key.AddressLow = MemoryMarshal.Read<ulong>(bytes[8..]);
        return key;
    }

    public readonly bool Equals(UdpFlowKey other) =>
        Cookie == other.Cookie && Family == other.Family && Port == other.Port && AddressHigh == other.AddressHigh && AddressLow == other.AddressLow;

    public override readonly bool Equals(object? obj) => obj is UdpFlowKey other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(Cookie, Family, Port, AddressHigh, AddressLow);
}

/// <summary>A flow's counters in the kernel side's map: <c>struct udp_flow</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UdpFlowCounters
{
    public ulong StartNs;
    public ulong LastNs;
    public ulong BytesOut;
    public ulong BytesIn;
    public ulong PacketsOut;
    public ulong PacketsIn;
}

/// <summary>A UDP record from the ring buffer: a flow opened (<see cref="Open"/>) or a socket released (<see cref="ReleasedCookie"/>).</summary>
internal sealed class UdpTraceItem
{
    public UdpOpenTraceRecord Open;
    public bool IsRelease;
    public ulong ReleasedCookie;
    public ulong ReleasedNs;
}

/// <summary>The kernel side's flow map, as the agent reads it when a flow ends.</summary>
internal interface IUdpFlowTable
{
    /// <summary>The flow's counters now; false when the map no longer has it (evicted).</summary>
    bool TryPeek(in UdpFlowKey key, out UdpFlowCounters counters);

    /// <summary>Reads and removes the flow (atomically in the kernel); false when the map no longer has it (evicted).</summary>
    bool TryTake(in UdpFlowKey key, out UdpFlowCounters counters);

    /// <summary>CLOCK_MONOTONIC now, in the kernel side's nanoseconds.</summary>
    ulong NowNs { get; }
}
