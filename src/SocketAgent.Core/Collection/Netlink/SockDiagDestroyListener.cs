using System.Threading.Channels;
using SocketAgent.Model;
using Sys = SocketAgent.Interop.Sys;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// Subscribes to sock_diag's destroy notifications (<c>ss -E</c>): the kernel multicasts the last state of every
/// user TCP/UDP socket it frees, with its cookie and final tcp_info, so connections that live less than one
/// collection interval are still reported, with their exact end. No privilege is needed (Linux ≥ 4.2).
/// </summary>
/// <remarks>
/// <para>The netlink socket is opened by the constructor in the calling thread's network namespace and stays
/// bound there: construct it on a thread setns'ed into a namespace to follow that namespace. The reader thread is
/// started separately by <see cref="Start"/>, which should be called from a thread of the agent's own namespace:
/// a thread inherits its creator's namespace, and the reader wakes channel readers, which may make the thread
/// pool create a worker on it.</para>
/// <para>Nothing blocks the kernel or grows without bound: when the socket buffer fills, the kernel drops
/// notifications and recv reports ENOBUFS (<see cref="SockDiagDestroyCounters.Overrun"/>); when the channel is
/// full, notifications are dropped and counted (<see cref="SockDiagDestroyCounters.Dropped"/>). Either way the
/// next snapshot still notices the socket is gone, only without its exact end.</para>
/// </remarks>
internal sealed class SockDiagDestroyListener : IDisposable
{
    // linux/sock_diag.h: enum sknetlink_groups.
    public const int SKNLGRP_INET_TCP_DESTROY = 1;
    public const int SKNLGRP_INET_UDP_DESTROY = 2;
    public const int SKNLGRP_INET6_TCP_DESTROY = 3;
    public const int SKNLGRP_INET6_UDP_DESTROY = 4;

    public const int DefaultCapacity = 65_536;
    public const int DefaultReceiveBufferBytes = 4 << 20;

    /// <summary>How long a receive waits before the thread looks whether it was asked to stop.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(200);

    // A notification is one inet_diag_msg with two attributes (< 400 B); one datagram carries one.
    private const int BufferSize = 16 * 1024;

    private readonly NetlinkSocket? _socket;
    private readonly TransportSet _transports;
    private readonly CollectionDiagnostics? _diagnostics;
    private readonly TimeProvider _timeProvider;
    private readonly Channel<SockDiagDestroyEvent> _channel;
    private Thread? _thread;
    private volatile bool _stopping;
    private long _delivered;
    private long _overruns;
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
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);

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
            return;
        }

        _socket = NetlinkSocket.Open(NetlinkProtocol.SockDiag, Groups);
        try
        {
            _socket.SetReceiveTimeout(pollInterval ?? DefaultPollInterval);
            if (!_socket.TrySetReceiveBufferSize(receiveBufferBytes))
            {
                _diagnostics?.WarnOnce(SockDiagDestroyCounters.Overrun + ".rcvbuf", "sock_diag destroy events: could not enlarge the receive buffer; bursts of closes may overrun it.");
            }
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    /// <summary>The multicast groups bound (<c>nl_groups</c>).</summary>
    public uint Groups { get; }

    /// <summary>Destroyed sockets in arrival order. Completes after <see cref="Dispose"/> (or a fatal receive error).</summary>
    public ChannelReader<SockDiagDestroyEvent> Reader => _channel.Reader;

    public long Delivered => Interlocked.Read(ref _delivered);
    public long Overruns => Interlocked.Read(ref _overruns);
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long Ignored => Interlocked.Read(ref _ignored);

    /// <summary>The reader thread, once started (tests check that it ends).</summary>
    internal Thread? Thread => _thread;

    /// <summary>The groups for the families and transports of <paramref name="query"/> (IPv4 groups serve the AF_INET table).</summary>
    public static uint GroupsFor(SocketQuery query)
    {
        bool v4 = (query.Families & IpFamilySet.IPv4) != 0;
        bool v6 = (query.Families & IpFamilySet.IPv6) != 0;
        uint groups = 0;
        if (query.Wants(Transport.Tcp))
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
        ObjectDisposedException.ThrowIf(_stopping, this);
        if (_socket is null || _thread is not null)
        {
            return this;
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "sock_diag destroy" };
        _thread.UnsafeStart();
        return this;
    }

    /// <summary>Stops the reader thread (within one poll interval) and closes the socket; the channel completes.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        Thread? thread = _thread;
        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join();
        }

        _socket?.Dispose();
        _channel.Writer.TryComplete();
    }

    private void Run()
    {
        byte[] buffer = new byte[BufferSize];
        var addresses = new IPAddressCache();
        var records = new List<SocketRecord>(4);
        ChannelWriter<SockDiagDestroyEvent> writer = _channel.Writer;
        Exception? failure = null;

        while (!_stopping)
        {
            int length = _socket!.TryReceive(buffer, out int errno);
            if (length < 0)
            {
                if (errno == Sys.EAGAIN)
                {
                    continue; // the poll interval passed: look at _stopping again
                }

                if (errno == Sys.ENOBUFS)
                {
                    Interlocked.Increment(ref _overruns);
                    _diagnostics?.Count(SockDiagDestroyCounters.Overrun);
                    _diagnostics?.WarnOnce(
                        SockDiagDestroyCounters.Overrun,
                        "sock_diag destroy events: the kernel dropped notifications (receive buffer full); those sockets are reported closed by the next snapshot, without their exact end.");
                    continue;
                }

                failure = new NetlinkException("recv", errno);
                _diagnostics?.Warn($"sock_diag destroy events stopped: {failure.Message}");
                break;
            }

            DateTimeOffset at = _timeProvider.GetUtcNow();
            records.Clear();
            SockDiagDestroyParseResult result = SockDiagDestroyParser.Parse(buffer.AsSpan(0, length), _transports, addresses, records);
            Count(ref _malformed, SockDiagDestroyCounters.Malformed, result.Malformed);
            Count(ref _ignored, SockDiagDestroyCounters.Ignored, result.Ignored);

            int delivered = 0, dropped = 0;
            foreach (SocketRecord record in records)
            {
                if (writer.TryWrite(new SockDiagDestroyEvent(record, at)))
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

        writer.TryComplete(failure);
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
