using System.Buffers;
using System.Diagnostics;
using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Collection.Incremental;

/// <summary>
/// Reads the sockets of one network namespace cycle after cycle, dumping the ESTABLISHED TCP sockets (nearly all
/// of them on a busy host, and most of the dump's cost) only when the TCP counters say the set may have changed.
/// The kernel tests the state filter before it builds a message, so the dump of every other state costs a fraction
/// of a full one. The result is always the complete list, as a full read would give: unchanged ESTABLISHED records
/// are the previous cycle's objects, carried over (their tcp_info is as old as the last full TCP dump; the close
/// event gets the final one from the destroy notification).
/// </summary>
/// <remarks>
/// Not thread-safe; one instance per namespace, always called from a thread in that namespace (it keeps a netlink
/// socket open, bound to the namespace it was opened in). Does no thread-pool work, so it can run on a setns'ed thread.
/// </remarks>
internal sealed class IncrementalSocketReader : IDisposable
{
    private const uint NotEstablished = SockDiag.AllStates & ~(1u << (int)KernelSocketState.Established);

    private static readonly TimeSpan s_receiveTimeout = TimeSpan.FromSeconds(5);

    private readonly IncrementalCollectorOptions _options;
    private readonly ProcNetPaths _paths;
    private readonly NamespaceSocketReader _fallback;
    private readonly Dictionary<ulong, SocketRecord> _established = [];
    private NetlinkSocket? _socket;
    private bool _netlinkRefused;
    private uint _sequence = 1;
    private TcpOpenCounters? _lastCounters;
    private bool _pendingHandshakes;
    private long? _lastFullTimestamp;
    private SocketQuery? _lastQuery;
    private readonly InetRecordReuse _reuse;

    public IncrementalSocketReader(IncrementalCollectorOptions? options = null)
    {
        _reuse = ReuseCarried;
        _options = options ?? new IncrementalCollectorOptions();
        _paths = new ProcNetPaths(_options.NetDirectory);
        _fallback = new NamespaceSocketReader(_options.Source, _options.NetDirectory);
    }

    /// <summary>Why the last cycle dumped every TCP socket; <see cref="FullDumpReason.None"/> when it carried them.</summary>
    public FullDumpReason LastReason { get; private set; }

    /// <summary>Full and incremental cycles so far, and the sockets of the last one.</summary>
    public long FullCycles { get; private set; }
    public long IncrementalCycles { get; private set; }
    public int SocketsTracked { get; private set; }

    /// <summary>
    /// The last pass left out TCP's connections (every TCP socket but the listeners) because the tracer reports them
    /// (<see cref="SocketQuery.TcpTraced"/>): their absence from it says nothing about them.
    /// </summary>
    public bool TcpConnectionsOmitted { get; private set; }

    /// <summary>How long the last cycle took (counters, dumps, merge).</summary>
    public TimeSpan LastDumpTime { get; private set; }

    /// <summary><c>netlink</c> or <c>procfs</c>, as <see cref="NamespaceSocketReader.SourceName"/>.</summary>
    public string SourceName => _options.Source == SocketSourceKind.Procfs || _netlinkRefused ? _fallback.SourceName : "netlink";

    /// <summary>Makes the next cycle a full one (e.g. after the destroy listener reported an overrun).</summary>
    public void RequestFullDump() => _lastFullTimestamp = null;

    /// <summary>Every socket matching <paramref name="query"/> in the calling thread's namespace.</summary>
    public IReadOnlyList<SocketRecord> Read(SocketQuery query, CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(diagnostics);
        long start = Stopwatch.GetTimestamp();
        try
        {
            IReadOnlyList<SocketRecord> sockets = ReadCore(query, diagnostics);
            SocketsTracked = sockets.Count;
            return sockets;
        }
        finally
        {
            LastDumpTime = Stopwatch.GetElapsedTime(start);
        }
    }

    private IReadOnlyList<SocketRecord> ReadCore(SocketQuery query, CollectionDiagnostics diagnostics)
    {
        if (_options.Source == SocketSourceKind.Procfs || query.ListeningOnly || !query.Wants(Transport.Tcp) || !TryOpenSocket(diagnostics))
        {
            // Nothing ESTABLISHED to carry (or no netlink): a plain read, every cycle.
            Forget();
            LastReason = FullDumpReason.NotIncremental;
            FullCycles++;
            return _fallback.Read(query, diagnostics);
        }

        if (_lastQuery != query)
        {
            Forget(); // carried records were filtered for another query
            _lastQuery = query;
        }

        long now = _options.TimeProvider.GetTimestamp();
        TimeSpan? sinceFull = _lastFullTimestamp is { } last ? _options.TimeProvider.GetElapsedTime(last, now) : null;
        TcpConnectionsOmitted = false;
        if (query.TcpTraced && FullDumpPolicy.TracedBetweenFullDumps(sinceFull, _options.FullDumpInterval))
        {
            return ReadTraced(query, diagnostics);
        }

        TcpOpenCounters? counters = ReadCounters(diagnostics);
        FullDumpReason reason = FullDumpPolicy.BeforeDump(counters, _lastCounters, _pendingHandshakes, sinceFull, _options.FullDumpInterval);

        byte[] buffer = ArrayPool<byte>.Shared.Rent(NetlinkDumpReader.BufferSize);
        try
        {
            var result = new List<SocketRecord>(_established.Count + 1024);
            if (reason == FullDumpReason.None)
            {
                List<SocketRecord> tcp = DumpTcp(query, NotEstablished, buffer, diagnostics, reuse: null);
                int closeWait = Reconcile(tcp, out bool handshakes);
                // CurrEstab covers both families: the check only holds when both are dumped.
                reason = query.Families == IpFamilySet.Both
                    ? FullDumpPolicy.AfterDump(counters!.Value, _established.Count, closeWait)
                    : FullDumpReason.None;
                if (reason == FullDumpReason.None)
                {
                    _pendingHandshakes = handshakes;
                    result.AddRange(tcp);
                    result.AddRange(_established.Values);
                }
            }

            if (reason != FullDumpReason.None)
            {
                // Only the periodic (and first) full dump refreshes the carried records; the others keep them, which
                // saves parsing, and allocating tcp_info for, thousands of unchanged sockets.
                bool refresh = reason is FullDumpReason.Periodic or FullDumpReason.FirstCycle;
                List<SocketRecord> tcp = DumpTcp(query, SockDiag.AllStates, buffer, diagnostics, refresh ? null : _reuse);
                Rebuild(tcp);
                result.AddRange(tcp);
                _lastFullTimestamp = now;
                FullCycles++;
            }
            else
            {
                IncrementalCycles++;
            }

            _lastCounters = counters;
            LastReason = reason;
            DumpOthers(query, buffer, result, diagnostics);
            return result;
        }
        catch (NetlinkException e)
        {
            return ReadAfterFailure(e, query, diagnostics);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A pass while the kernel tracer reports every TCP transition: only TCP's listeners are dumped (the kernel walks
    /// its listening hash alone; the connection table, with every TIME_WAIT entry of a churning host, is not walked),
    /// beside UDP, raw and UNIX. The TCP connections are left to the tracer until the next periodic full dump, which
    /// also ends any whose close the tracer lost; <see cref="TcpConnectionsOmitted"/> tells the differ not to take
    /// their absence for a close.
    /// </summary>
    private IReadOnlyList<SocketRecord> ReadTraced(SocketQuery query, CollectionDiagnostics diagnostics)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(NetlinkDumpReader.BufferSize);
        try
        {
            List<SocketRecord> result = DumpTcp(query, 1u << (int)KernelSocketState.Listen, buffer, diagnostics, reuse: null);
            DumpOthers(query, buffer, result, diagnostics);
            TcpConnectionsOmitted = true;
            LastReason = FullDumpReason.Traced;
            IncrementalCycles++;
            return result;
        }
        catch (NetlinkException e)
        {
            return ReadAfterFailure(e, query, diagnostics);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// send/recv failed mid-dump (never seen in practice): start over next time, read /proc/net now.
    /// </summary>
    private IReadOnlyList<SocketRecord> ReadAfterFailure(NetlinkException e, SocketQuery query, CollectionDiagnostics diagnostics)
    {
        Forget();
        _socket?.Dispose();
        _socket = null;
        diagnostics.Count("incremental.netlink_failed");
        diagnostics.Warn($"netlink sock_diag dump failed ({e.Message}); this cycle was read by the full reader");
        LastReason = FullDumpReason.NotIncremental;
        FullCycles++;
        return _fallback.Read(query, diagnostics);
    }

    /// <summary>
    /// Drops from the carried set every socket the non-ESTABLISHED dump lists (it left ESTABLISHED; TCP never goes
    /// back), and counts what the counters check needs.
    /// </summary>
    private int Reconcile(List<SocketRecord> tcp, out bool handshakes)
    {
        int closeWait = 0;
        handshakes = false;
        foreach (SocketRecord socket in tcp)
        {
            if (socket.Cookie is { } cookie)
            {
                _established.Remove(cookie);
            }
            closeWait += socket.State == KernelSocketState.CloseWait ? 1 : 0;
            handshakes |= IsHandshake(socket.State);
        }
        return closeWait;
    }

    private void Rebuild(List<SocketRecord> tcp)
    {
        _established.Clear();
        bool handshakes = false;
        foreach (SocketRecord socket in tcp)
        {
            if (socket.State == KernelSocketState.Established && socket.Cookie is { } cookie)
            {
                _established[cookie] = socket;
                // Still in a listener's accept queue: accept() gives it an inode (its owner) without moving any
                // counter, so look again next cycle. A backlog nobody drains keeps every cycle full: correct, not cheap.
                handshakes |= socket.Inode == 0;
            }
            handshakes |= IsHandshake(socket.State);
        }
        _pendingHandshakes = handshakes;
    }

    /// <summary>The carried record of a socket still ESTABLISHED with the same inode, instead of a freshly parsed one.</summary>
    private SocketRecord? ReuseCarried(ReadOnlySpan<byte> message) =>
        InetDiagMessageParser.TryPeekIdentity(message, out KernelSocketState state, out ulong cookie, out ulong inode)
        && state == KernelSocketState.Established && inode != 0
        && _established.TryGetValue(cookie, out SocketRecord? carried) && carried.Inode == inode
            ? carried
            : null;

    private static bool IsHandshake(KernelSocketState state) =>
        state is KernelSocketState.SynSent or KernelSocketState.SynRecv or KernelSocketState.NewSynRecv;

    private List<SocketRecord> DumpTcp(SocketQuery query, uint states, byte[] buffer, CollectionDiagnostics diagnostics, InetRecordReuse? reuse)
    {
        var collector = new SockDiagCollector(_socket!, diagnostics, _sequence) { Reuse = reuse };
        byte extensions = query.IncludeTcpInfo ? SockDiag.ExtensionBit(SockDiag.INET_DIAG_INFO) : (byte)0;
        states = query.TcpStates(states);
        if ((query.Families & IpFamilySet.IPv4) != 0)
        {
            collector.Run(new SockDiagDump(SockDiag.AF_INET, SockDiag.IPPROTO_TCP, Transport.Tcp, extensions, states), buffer);
        }
        if ((query.Families & IpFamilySet.IPv6) != 0)
        {
            collector.Run(new SockDiagDump(SockDiag.AF_INET6, SockDiag.IPPROTO_TCP, Transport.Tcp, extensions, states), buffer);
        }
        _sequence += 16;
        return collector.Records;
    }

    /// <summary>UDP, raw and UNIX: few on most hosts and with no counters to skip them by, so dumped every cycle.</summary>
    private void DumpOthers(SocketQuery query, byte[] buffer, List<SocketRecord> into, CollectionDiagnostics diagnostics)
    {
        SocketQuery others = query with { Transports = query.Transports & ~TransportSet.Tcp };
        if (others.Transports == TransportSet.None)
        {
            return;
        }
        long rawRefused = RawRefused(diagnostics);
        var collector = new SockDiagCollector(_socket!, diagnostics, _sequence);
        foreach (SockDiagDump dump in SockDiagDump.For(others))
        {
            collector.Run(dump, buffer);
        }
        _sequence += 32;
        into.AddRange(collector.Records);

        // Kernels without raw_diag (this one): /proc/net/raw, as the full reader does.
        if (others.Wants(Transport.Raw) && RawRefused(diagnostics) > rawRefused)
        {
            into.AddRange(new ProcfsSocketSource(_paths).Collect(others with { Transports = TransportSet.Raw }, diagnostics));
        }
    }

    private static long RawRefused(CollectionDiagnostics diagnostics) =>
        diagnostics.Get("netlink.protocol_unavailable.raw") + diagnostics.Get("netlink.protocol_unavailable.raw6");

    private TcpOpenCounters? ReadCounters(CollectionDiagnostics diagnostics)
    {
        try
        {
            byte[] snmp = File.ReadAllBytes(_paths.Snmp);
            if (TcpOpenCountersParser.TryParse(snmp, out TcpOpenCounters counters))
            {
                return counters;
            }
            diagnostics.Count("incremental.counters_malformed");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Count("incremental.counters_unreadable");
        }
        return null;
    }

    private bool TryOpenSocket(CollectionDiagnostics diagnostics)
    {
        if (_socket is not null)
        {
            return true;
        }
        if (_netlinkRefused)
        {
            return false;
        }
        try
        {
            _socket = NetlinkSocket.Open(NetlinkProtocol.SockDiag);
            _socket.SetReceiveTimeout(s_receiveTimeout);
            return true;
        }
        catch (NetlinkException e)
        {
            // Refused for good (seccomp, no AF_NETLINK): the full reader falls back to /proc/net every cycle.
            _netlinkRefused = true;
            diagnostics.WarnOnce("incremental.netlink_refused", $"netlink sock_diag socket refused ({e.Message}); every cycle is a full read");
            return false;
        }
    }

    private void Forget()
    {
        _established.Clear();
        _lastCounters = null;
        _lastFullTimestamp = null;
        _pendingHandshakes = false;
    }

    public void Dispose()
    {
        _socket?.Dispose();
        _socket = null;
    }
}
