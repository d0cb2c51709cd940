using System.Buffers;
using SocketAgent.Model;

namespace SocketAgent.Collection.Netlink;

/// <summary>Returns a record to list for the raw <c>inet_diag_msg</c> <paramref name="message"/>, or null to parse it.</summary>
internal delegate SocketRecord? InetRecordReuse(ReadOnlySpan<byte> message);

/// <summary>
/// Runs the sock_diag dumps of a query over one transport and turns the answers into records. Separate from
/// <see cref="NetlinkSocketSource"/> so tests can drive it with synthetic or captured datagrams.
/// </summary>
internal sealed class SockDiagCollector : INetlinkMessageConsumer
{
    /// <summary>How many times a dump flagged NLM_F_DUMP_INTR is run in all before its last answer is kept.</summary>
    public const int MaxDumpAttempts = 3;

    private readonly INetlinkTransport _transport;
    private readonly CollectionDiagnostics _diagnostics;
    private readonly IPAddressCache _addresses = new();
    private readonly List<SocketRecord> _records = [];
    private uint _sequence;
    private Transport _currentTransport;

    public SockDiagCollector(INetlinkTransport transport, CollectionDiagnostics diagnostics, uint firstSequence = 1)
    {
        _transport = transport;
        _diagnostics = diagnostics;
        _sequence = firstSequence;
    }

    public List<SocketRecord> Records => _records;

    /// <summary>
    /// Optional: offered each inet message before it is parsed; a record returned is listed instead of parsing the
    /// message (the incremental reader hands back the record it already holds for the socket, which saves the
    /// allocation of thousands of unchanged records and their tcp_info).
    /// </summary>
    public InetRecordReuse? Reuse { get; set; }

    /// <summary>Dumps that completed, and dumps the kernel refused (missing module, unsupported protocol).</summary>
    public int SucceededDumps { get; private set; }
    public int FailedDumps { get; private set; }

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

    /// <summary>Runs one dump, redoing it while the kernel reports it interrupted, at most <see cref="MaxDumpAttempts"/> times.</summary>
    internal void Run(SockDiagDump dump, byte[] buffer)
    {
        Span<byte> request = stackalloc byte[Math.Max(SockDiagRequest.InetLength, SockDiagRequest.UnixLength)];
        _currentTransport = dump.Transport;

        for (int attempt = 1; ; attempt++)
        {
            uint sequence = _sequence++;
            int length = dump.Transport == Transport.Unix
                ? SockDiagRequest.WriteUnix(request, sequence, dump.States, SockDiag.UDIAG_SHOW_NAME | SockDiag.UDIAG_SHOW_PEER | SockDiag.UDIAG_SHOW_RQLEN)
                : SockDiagRequest.WriteInet(request, sequence, dump.Family, dump.Protocol, dump.Extensions, dump.States);

            int start = _records.Count;
            NetlinkDumpResult result = NetlinkDumpReader.Run(_transport, request[..length], sequence, buffer, this);
            if (result.MalformedDatagrams > 0)
            {
                _diagnostics.Count("netlink.datagrams_malformed", result.MalformedDatagrams);
            }

            if (result.ForeignMessages > 0)
            {
                _diagnostics.Count("netlink.messages_foreign", result.ForeignMessages);
            }

            if (result.Error != 0)
            {
                // Whatever arrived before the error is kept: those records are real sockets.
                FailedDumps++;
                _diagnostics.Count("netlink.protocol_unavailable." + dump.Name);
                if (dump.Transport == Transport.Raw)
                {
                    // Kernels without CONFIG_INET_RAW_DIAG (this one, many distributions) answer ENOENT: ss then
                    // reads /proc/net/raw, and HostCollector does the same, so there is nothing to warn about.
                    return;
                }

                _diagnostics.WarnOnce(
                    "netlink.protocol_unavailable." + dump.Name,
                    $"netlink: protocol not available: the kernel refused the sock_diag dump of {dump.Name} sockets " +
                    $"({new System.ComponentModel.Win32Exception(result.Error).Message}, errno {result.Error}); they are not listed.");
                return;
            }

            if (result.Truncated)
            {
                FailedDumps++;
                _diagnostics.Count("netlink.dump_truncated");
                _diagnostics.Warn($"netlink: the {dump.Name} dump ended without NLMSG_DONE; its list may be incomplete.");
                return;
            }

            if (!result.Interrupted)
            {
                SucceededDumps++;
                return;
            }

            if (attempt >= MaxDumpAttempts)
            {
                // The tables keep changing under us: an almost-consistent list beats none.
                SucceededDumps++;
                _diagnostics.Count("netlink.dump_interrupted");
                return;
            }

            _diagnostics.Count("netlink.dump_retried");
            _records.RemoveRange(start, _records.Count - start);
        }
    }

    void INetlinkMessageConsumer.OnMessage(ushort type, ReadOnlySpan<byte> payload)
    {
        if (type != SockDiag.SOCK_DIAG_BY_FAMILY)
        {
            _diagnostics.Count("netlink.messages_unexpected");
            return;
        }

        SocketRecord? record;
        if (_currentTransport != Transport.Unix && Reuse is not null && (record = Reuse(payload)) is not null)
        {
            _records.Add(record);
            return;
        }

        bool parsed = _currentTransport == Transport.Unix
            ? UnixDiagMessageParser.TryParse(payload, out record)
            : InetDiagMessageParser.TryParse(payload, _currentTransport, _addresses, out record);

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
