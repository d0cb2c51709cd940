using System.Threading.Channels;
using SocketAgent.Model;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// Subscribes to sock_diag's destroy notifications (<c>ss -E</c>): the kernel multicasts the last state of every
/// user TCP/UDP socket it frees, with its cookie and final tcp_info, so connections that live less than one
/// collection interval are still reported, with their exact end. No privilege is needed (Linux ≥ 4.2).
/// </summary>
/// <remarks>
/// <para>Opened in the constructing thread's network namespace; see <see cref="NetlinkMulticastListener"/>.</para>
/// <para>Nothing blocks the kernel or grows without bound: when the socket buffer fills, the kernel drops
/// notifications and recv reports ENOBUFS (<see cref="SockDiagDestroyCounters.Overrun"/>); when the channel is
/// full, notifications are dropped and counted (<see cref="SockDiagDestroyCounters.Dropped"/>). Either way the
/// next snapshot still notices the socket is gone, only without its exact end.</para>
/// </remarks>
internal sealed class SockDiagDestroyListener : NetlinkMulticastListener
{
    // linux/sock_diag.h: enum sknetlink_groups.
    public const int SKNLGRP_INET_TCP_DESTROY = 1;
    public const int SKNLGRP_INET_UDP_DESTROY = 2;
    public const int SKNLGRP_INET6_TCP_DESTROY = 3;
    public const int SKNLGRP_INET6_UDP_DESTROY = 4;

    public const int DefaultCapacity = 65_536;
    public const int DefaultReceiveBufferBytes = 4 << 20;

    // A notification is one inet_diag_msg with two attributes (< 400 B); one datagram carries one.
    private const int BufferSize = 16 * 1024;

    private readonly TransportSet _transports;
    private readonly CollectionDiagnostics? _diagnostics;
    private readonly TimeProvider _timeProvider;
    private readonly Channel<SockDiagDestroyEvent> _channel;
    // Used by the reader thread only.
    private readonly IPAddressCache _addresses = new();
    private readonly List<SocketRecord> _records = new(4);
    private long _delivered;
    private long _dropped;
    private long _malformed;
    private long _ignored;

    /// <summary>Opens and binds the subscription in the calling thread's network namespace (no thread yet).</summary>
    /// <param name="query">Which transports (TCP, UDP) and families (by table, as netstat selects) to report.</param>
    /// <param name="diagnostics">Where counters and warnings also go (thread-safe), or null.</param>
    /// <param name="capacity">Notifications the channel holds before it drops (and counts) more.</param>
    /// <exception cref="NetlinkException">The socket could not be opened or bound (a kernel without sock_diag).</exception>
    public SockDiagDestroyListener(
        SocketQuery query,
        CollectionDiagnostics? diagnostics = null,
        TimeProvider? timeProvider = null,
        int capacity = DefaultCapacity,
        int receiveBufferBytes = DefaultReceiveBufferBytes,
        TimeSpan? pollInterval = null)
        : base(Open(query, capacity, diagnostics, receiveBufferBytes, pollInterval), BufferSize, "sock_diag destroy")
    {
        _transports = query.Transports & (TransportSet.Tcp | TransportSet.Udp);
        _diagnostics = diagnostics;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _channel = Channel.CreateBounded<SockDiagDestroyEvent>(new BoundedChannelOptions(capacity)
        {
            // Wait mode never blocks TryWrite: it returns false when full, which is what gets counted.
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
        });

        Groups = GroupsFor(query);
        if (Groups == 0)
        {
            // Neither TCP nor UDP wanted: nothing to subscribe to, and nothing will ever arrive.
            _channel.Writer.TryComplete();
        }
    }

    /// <summary>The multicast groups bound (<c>nl_groups</c>).</summary>
    public uint Groups { get; }

    /// <summary>Destroyed sockets in arrival order. Completes after <see cref="NetlinkMulticastListener.Dispose"/> (or a fatal receive error).</summary>
    public ChannelReader<SockDiagDestroyEvent> Reader => _channel.Reader;

    public long Delivered => Interlocked.Read(ref _delivered);
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long Ignored => Interlocked.Read(ref _ignored);

    /// <summary>The groups for the families and transports of <paramref name="query"/> (IPv4 groups serve the AF_INET table).</summary>
    public static uint GroupsFor(SocketQuery query)
    {
        bool v4 = (query.Families & IpFamilySet.IPv4) != 0;
        bool v6 = (query.Families & IpFamilySet.IPv6) != 0;
        uint groups = 0;
        if (query.Wants(Transport.Tcp) && !query.TcpTraced)
        {
            groups |= (v4 ? Bit(SKNLGRP_INET_TCP_DESTROY) : 0) | (v6 ? Bit(SKNLGRP_INET6_TCP_DESTROY) : 0);
        }
        if (query.Wants(Transport.Udp))
        {
            groups |= (v4 ? Bit(SKNLGRP_INET_UDP_DESTROY) : 0) | (v6 ? Bit(SKNLGRP_INET6_UDP_DESTROY) : 0);
        }
        return groups;

        static uint Bit(int group) => 1u << (group - 1);
    }

    /// <summary>Starts the reader thread (a dedicated background thread, not a pool thread). Returns this.</summary>
    public SockDiagDestroyListener Start()
    {
        StartThread();
        return this;
    }

    // Validates before opening: a constructor that throws after its base has the socket would leak it.
    private static NetlinkSocket? Open(SocketQuery query, int capacity, CollectionDiagnostics? diagnostics, int receiveBufferBytes, TimeSpan? pollInterval)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        uint groups = GroupsFor(query);
        if (groups == 0)
        {
            return null;
        }

        NetlinkSocket socket = OpenSocket(NetlinkProtocol.SockDiag, groups, pollInterval, receiveBufferBytes, out bool enlarged);
        if (!enlarged)
        {
            diagnostics?.WarnOnce(SockDiagDestroyCounters.Overrun + ".rcvbuf", "sock_diag destroy events: could not enlarge the receive buffer; bursts of closes may overrun it.");
        }
        return socket;
    }

    protected override void OnDatagram(ReadOnlySpan<byte> datagram)
    {
        DateTimeOffset at = _timeProvider.GetUtcNow();
        _records.Clear();
        SockDiagDestroyParseResult result = SockDiagDestroyParser.Parse(datagram, _transports, _addresses, _records);
        Count(ref _malformed, SockDiagDestroyCounters.Malformed, result.Malformed);
        Count(ref _ignored, SockDiagDestroyCounters.Ignored, result.Ignored);

        int delivered = 0, dropped = 0;
        foreach (SocketRecord record in _records)
        {
            if (_channel.Writer.TryWrite(new SockDiagDestroyEvent(record, at)))
            {
                delivered++;
            }
            else
            {
                dropped++;
            }
        }

        Count(ref _delivered, SockDiagDestroyCounters.Delivered, delivered);
        if (dropped > 0)
        {
            Count(ref _dropped, SockDiagDestroyCounters.Dropped, dropped);
            _diagnostics?.WarnOnce(
                SockDiagDestroyCounters.Dropped,
                "sock_diag destroy events: the queue of closed sockets is full; some are reported by the next snapshot instead.");
        }
    }

    protected override void OnOverrun()
    {
        _diagnostics?.Count(SockDiagDestroyCounters.Overrun);
        _diagnostics?.WarnOnce(
            SockDiagDestroyCounters.Overrun,
            "sock_diag destroy events: the kernel dropped notifications (receive buffer full); those sockets are reported closed by the next snapshot, without their exact end.");
    }

    protected override void OnStopped(Exception? failure)
    {
        if (failure is not null)
        {
            _diagnostics?.Warn($"sock_diag destroy events stopped: {failure.Message}");
        }
        _channel.Writer.TryComplete(failure);
    }

    private void Count(ref long field, string counter, int delta)
    {
        if (delta > 0)
        {
            Interlocked.Add(ref field, delta);
            _diagnostics?.Count(counter, delta);
        }
    }
}
