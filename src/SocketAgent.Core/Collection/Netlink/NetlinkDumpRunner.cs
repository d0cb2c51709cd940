namespace SocketAgent.Collection.Netlink;

/// <summary>
/// Runs the dumps of one collector over one transport (sock_diag and rtnetlink alike): numbers each request, reads the
/// reply with <see cref="NetlinkDumpReader"/>, redoes a dump the kernel flagged NLM_F_DUMP_INTR (at most
/// <see cref="MaxDumpAttempts"/> times in all), and counts what went wrong under the collector's counter names.
/// Messages reach the dump's <see cref="INetlinkMessageConsumer.OnMessage"/> as spans of the reused buffer: nothing
/// is allocated per message.
/// </summary>
internal sealed class NetlinkDumpRunner
{
    /// <summary>How many times a dump flagged NLM_F_DUMP_INTR is run in all before its last answer is kept.</summary>
    public const int MaxDumpAttempts = 3;

    /// <summary>Room for the largest request a dump writes (sock_diag's inet request: 72 bytes).</summary>
    private const int MaxRequestLength = 128;

    private readonly INetlinkTransport _transport;
    private readonly CollectionDiagnostics _diagnostics;
    private readonly string _protocol;
    private readonly string _failedPrefix;
    private readonly string _datagramsMalformed;
    private readonly string _messagesForeign;
    private readonly string _dumpTruncated;
    private readonly string _dumpInterrupted;
    private readonly string _dumpRetried;
    private uint _sequence;

    /// <param name="protocol">
    /// The prefix of the counters and warnings: <c>netlink</c> counts <c>netlink.dump_retried</c>,
    /// <c>netlink.dump_interrupted</c>, <c>netlink.dump_truncated</c>, <c>netlink.datagrams_malformed</c> and
    /// <c>netlink.messages_foreign</c>.
    /// </param>
    /// <param name="failedPrefix">The counter of a dump the kernel refused, less the dump's name.</param>
    /// <param name="firstSequence">The sequence number of the first request; each attempt takes the next.</param>
    public NetlinkDumpRunner(INetlinkTransport transport, CollectionDiagnostics diagnostics, string protocol, string failedPrefix, uint firstSequence = 1)
    {
        _transport = transport;
        _diagnostics = diagnostics;
        _protocol = protocol;
        _failedPrefix = failedPrefix;
        _datagramsMalformed = protocol + ".datagrams_malformed";
        _messagesForeign = protocol + ".messages_foreign";
        _dumpTruncated = protocol + ".dump_truncated";
        _dumpInterrupted = protocol + ".dump_interrupted";
        _dumpRetried = protocol + ".dump_retried";
        _sequence = firstSequence;
    }

    /// <summary>Dumps that completed (an interrupted one kept after the last attempt included), and dumps the kernel refused or cut short.</summary>
    public int SucceededDumps { get; private set; }
    public int FailedDumps { get; private set; }

    /// <summary>
    /// Runs one dump, redoing it while the kernel reports it interrupted. Returns the errno the kernel refused it
    /// with, 0 otherwise: the wording of that warning is the caller's (some refusals are expected). Whatever arrived
    /// before an error or the end of the data is kept: those are real objects.
    /// </summary>
    /// <param name="name">The dump's name in counters and warnings (<c>tcp6</c>, <c>route</c>…).</param>
    public int Run(INetlinkDump dump, string name, Span<byte> buffer)
    {
        Span<byte> request = stackalloc byte[MaxRequestLength];
        for (int attempt = 1; ; attempt++)
        {
            uint sequence = _sequence++;
            int length = dump.WriteRequest(request, sequence);
            dump.BeginAttempt();

            NetlinkDumpResult result = NetlinkDumpReader.Run(_transport, request[..length], sequence, buffer, dump);
            if (result.MalformedDatagrams > 0)
            {
                _diagnostics.Count(_datagramsMalformed, result.MalformedDatagrams);
            }

            if (result.ForeignMessages > 0)
            {
                _diagnostics.Count(_messagesForeign, result.ForeignMessages);
            }

            if (result.Error != 0)
            {
                FailedDumps++;
                _diagnostics.Count(_failedPrefix + name);
                return result.Error;
            }

            if (result.Truncated)
            {
                FailedDumps++;
                _diagnostics.Count(_dumpTruncated);
                _diagnostics.Warn($"{_protocol}: the {name} dump ended without NLMSG_DONE; its list may be incomplete.");
                return 0;
            }

            if (!result.Interrupted)
            {
                SucceededDumps++;
                return 0;
            }

            if (attempt >= MaxDumpAttempts)
            {
                // The tables keep changing under us: an almost-consistent list beats none.
                SucceededDumps++;
                _diagnostics.Count(_dumpInterrupted);
                return 0;
            }

            _diagnostics.Count(_dumpRetried);
            dump.DiscardAttempt();
        }
    }
}
