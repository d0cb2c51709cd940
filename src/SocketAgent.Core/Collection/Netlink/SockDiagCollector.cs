using System.Buffers;
using SocketAgent.Model;

namespace SocketAgent.Collection.Netlink;

/// <summary>Returns a record to list for the raw <c>inet_diag_msg</c> <paramref name="message"/>, or null to parse it.</summary>
internal delegate SocketRecord? InetRecordReuse(ReadOnlySpan<byte> message);

/// <summary>
/// Runs the sock_diag dumps of a query over one transport (<see cref="NetlinkDumpRunner"/>) and turns the answers into
/// records. Separate from <see cref="NetlinkSocketSource"/> so tests can drive it with synthetic or captured datagrams.
/// </summary>
internal sealed class SockDiagCollector : INetlinkDump
{
    private readonly NetlinkDumpRunner _runner;
    private readonly CollectionDiagnostics _diagnostics;
    private readonly IPAddressCache _addresses = new();
    private readonly List<SocketRecord> _records = [];
    private SockDiagDump _current;
    private int _attemptStart;

    public SockDiagCollector(INetlinkTransport transport, CollectionDiagnostics diagnostics, uint firstSequence = 1)
    {
        _runner = new NetlinkDumpRunner(transport, diagnostics, "netlink", "netlink.protocol_unavailable.", firstSequence);
        _diagnostics = diagnostics;
    }

    public List<SocketRecord> Records => _records;

    /// <summary>
    /// Optional: offered each inet message before it is parsed; a record returned is listed instead of parsing the
    /// message (the incremental reader hands back the record it already holds for the socket, which saves the
    /// allocation of thousands of unchanged records and their tcp_info).
    /// </summary>
    public InetRecordReuse? Reuse { get; set; }

    /// <summary>Dumps that completed, and dumps the kernel refused (missing module, unsupported protocol).</summary>
    public int SucceededDumps => _runner.SucceededDumps;
    public int FailedDumps => _runner.FailedDumps;

    public void Collect(SocketQuery query)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(NetlinkDumpReader.BufferSize);
        try
        {
            foreach (SockDiagDump dump in SockDiagDump.For(query))
            {
                Run(dump, buffer);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Runs one dump, redoing it while the kernel reports it interrupted.</summary>
    internal void Run(SockDiagDump dump, byte[] buffer)
    {
        _current = dump;
        int error = _runner.Run(this, dump.Name, buffer);
        // Kernels without CONFIG_INET_RAW_DIAG (this one, many distributions) answer ENOENT: ss then reads
        // /proc/net/raw, and HostCollector does the same, so there is nothing to warn about.
        if (error != 0 && dump.Transport != Transport.Raw)
        {
            _diagnostics.WarnOnce(
                "netlink.protocol_unavailable." + dump.Name,
                $"netlink: protocol not available: the kernel refused the sock_diag dump of {dump.Name} sockets " +
                $"({new System.ComponentModel.Win32Exception(error).Message}, errno {error}); they are not listed.");
        }
    }

    int INetlinkDump.WriteRequest(Span<byte> destination, uint sequence) => _current.Transport == Transport.Unix
        ? SockDiagRequest.WriteUnix(destination, sequence, _current.States, SockDiag.UDIAG_SHOW_NAME | SockDiag.UDIAG_SHOW_PEER | SockDiag.UDIAG_SHOW_RQLEN)
        : SockDiagRequest.WriteInet(destination, sequence, _current.Family, _current.Protocol, _current.Extensions, _current.States);

    void INetlinkDump.BeginAttempt() => _attemptStart = _records.Count;

    void INetlinkDump.DiscardAttempt() => _records.RemoveRange(_attemptStart, _records.Count - _attemptStart);

    void INetlinkMessageConsumer.OnMessage(ushort type, ReadOnlySpan<byte> payload)
    {
        if (type != SockDiag.SOCK_DIAG_BY_FAMILY)
        {
            _diagnostics.Count("netlink.messages_unexpected");
            return;
        }

        SocketRecord? record;
        if (_current.Transport != Transport.Unix && Reuse is not null && (record = Reuse(payload)) is not null)
        {
            _records.Add(record);
            return;
        }

        bool parsed = _current.Transport == Transport.Unix
            ? UnixDiagMessageParser.TryParse(payload, out record)
            : InetDiagMessageParser.TryParse(payload, _current.Transport, _addresses, out record);

        if (parsed)
        {
            _records.Add(record!);
        }
        else
        {
            _diagnostics.Count("netlink.records_malformed");
        }
    }
}
