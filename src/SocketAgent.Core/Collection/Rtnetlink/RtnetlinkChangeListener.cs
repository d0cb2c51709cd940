using System.Threading.Channels;
using SocketAgent.Collection.Netlink;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>
/// Subscribes to rtnetlink's link, address and route notifications and signals "something changed" so the agent
/// dumps again and diffs, instead of waiting for its next periodic dump. The signal coalesces: however many
/// notifications arrive before the agent looks, it wakes once and <see cref="TakePending"/> says which kinds.
/// </summary>
/// <remarks>
/// As with <see cref="SockDiagDestroyListener"/>, the constructor opens the socket in the calling thread's network
/// namespace (it stays bound there) and <see cref="Start"/> starts the reader thread; call Start from a thread of
/// the agent's own namespace (<see cref="NetlinkMulticastListener"/>). Binding the groups needs no privilege.
/// </remarks>
internal sealed class RtnetlinkChangeListener : NetlinkMulticastListener
{
    public const int DefaultReceiveBufferBytes = 1 << 20;

    /// <summary>The groups bound: links, IPv4/IPv6 addresses, IPv4/IPv6 routes.</summary>
    public static readonly uint Groups =
        Bit(RtnetlinkProtocol.RTNLGRP_LINK) | Bit(RtnetlinkProtocol.RTNLGRP_IPV4_IFADDR) | Bit(RtnetlinkProtocol.RTNLGRP_IPV4_ROUTE) |
        Bit(RtnetlinkProtocol.RTNLGRP_IPV6_IFADDR) | Bit(RtnetlinkProtocol.RTNLGRP_IPV6_ROUTE);

    // A link notification carries every IFLA attribute (about 1.5 KB here, more with VFs); 64 KiB holds any.
    private const int BufferSize = 64 * 1024;

    private readonly CollectionDiagnostics? _diagnostics;
    private readonly TimeProvider _timeProvider;
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleWriter = true,
    });
    private readonly Channel<RtnetlinkChangeNotification>? _notifications;
    // Used by the reader thread only.
    private readonly IPAddressCache _addresses = new();
    private readonly List<RtnetlinkChangeNotification>? _parsed;
    private int _pending;
    private long _linkChanges;
    private long _addressChanges;
    private long _routeChanges;
    private long _malformed;
    private long _notificationsDropped;

    /// <param name="notificationCapacity">
    /// 0 (the default) to only signal; otherwise the size of <see cref="Notifications"/>, the channel of parsed
    /// records (full: dropped and counted — the signal still fires).
    /// </param>
    /// <exception cref="NetlinkException">The socket could not be opened or bound.</exception>
    public RtnetlinkChangeListener(
        CollectionDiagnostics? diagnostics = null,
        TimeProvider? timeProvider = null,
        int notificationCapacity = 0,
        int receiveBufferBytes = DefaultReceiveBufferBytes,
        TimeSpan? pollInterval = null)
        : base(Open(notificationCapacity, receiveBufferBytes, pollInterval), BufferSize, "rtnetlink changes")
    {
        _diagnostics = diagnostics;
        _timeProvider = timeProvider ?? TimeProvider.System;
        if (notificationCapacity > 0)
        {
            _notifications = Channel.CreateBounded<RtnetlinkChangeNotification>(new BoundedChannelOptions(notificationCapacity)
            {
                FullMode = BoundedChannelFullMode.Wait, // TryWrite then returns false when full: counted
                SingleWriter = true,
            });
            _parsed = [];
        }
    }

    /// <summary>
    /// Holds one item whenever a change is pending (it coalesces: never more than one). Read it (or
    /// <c>WaitToReadAsync</c>) to wake up, then call <see cref="TakePending"/>. Completes after Dispose.
    /// </summary>
    public ChannelReader<bool> Signal => _signal.Reader;

    /// <summary>Parsed notifications, when a capacity was given; otherwise null.</summary>
    public ChannelReader<RtnetlinkChangeNotification>? Notifications => _notifications?.Reader;

    public long LinkChanges => Interlocked.Read(ref _linkChanges);
    public long AddressChanges => Interlocked.Read(ref _addressChanges);
    public long RouteChanges => Interlocked.Read(ref _routeChanges);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long NotificationsDropped => Interlocked.Read(ref _notificationsDropped);

    /// <summary>The kinds changed since the last call, and clears them (and the signal).</summary>
    public RtnetlinkChangeKind TakePending()
    {
        _signal.Reader.TryRead(out _);
        return (RtnetlinkChangeKind)Interlocked.Exchange(ref _pending, 0);
    }

    /// <summary>Waits until a change is pending and takes it (<see cref="TakePending"/>).</summary>
    /// <exception cref="ChannelClosedException">The listener was disposed or its socket failed.</exception>
    public async ValueTask<RtnetlinkChangeKind> WaitAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            await _signal.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            RtnetlinkChangeKind kinds = TakePending();
            if (kinds != RtnetlinkChangeKind.None)
            {
                return kinds;
            }
            // An earlier TakePending already took what this signal announced.
        }
    }

    /// <summary>Starts the reader thread (a dedicated background thread). Returns this.</summary>
    public RtnetlinkChangeListener Start()
    {
        StartThread();
        return this;
    }

    // The default receive buffer is fine for most hosts: enlarging it is best effort, and an overrun re-dumps.
    private static NetlinkSocket Open(int notificationCapacity, int receiveBufferBytes, TimeSpan? pollInterval)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(notificationCapacity);
        return OpenSocket(NetlinkProtocol.Route, Groups, pollInterval, receiveBufferBytes, out _);
    }

    protected override void OnDatagram(ReadOnlySpan<byte> datagram)
    {
        _parsed?.Clear();
        RtnetlinkChangeKind kinds = RtnetlinkChangeParser.Parse(datagram, _addresses, _timeProvider.GetUtcNow(), _parsed, out int malformed);
        if (malformed > 0)
        {
            Interlocked.Add(ref _malformed, malformed);
            _diagnostics?.Count(RtnetlinkChangeCounters.Malformed, malformed);
        }

        CountKind(kinds, RtnetlinkChangeKind.Links, ref _linkChanges, RtnetlinkChangeCounters.Links);
        CountKind(kinds, RtnetlinkChangeKind.Addresses, ref _addressChanges, RtnetlinkChangeCounters.Addresses);
        CountKind(kinds, RtnetlinkChangeKind.Routes, ref _routeChanges, RtnetlinkChangeCounters.Routes);

        if (_parsed is not null)
        {
            foreach (RtnetlinkChangeNotification notification in _parsed)
            {
                if (!_notifications!.Writer.TryWrite(notification))
                {
                    Interlocked.Increment(ref _notificationsDropped);
                    _diagnostics?.Count(RtnetlinkChangeCounters.NotificationsDropped);
                }
            }
        }

        if (kinds != RtnetlinkChangeKind.None)
        {
            Raise(kinds);
        }
    }

    protected override void OnOverrun()
    {
        _diagnostics?.Count(RtnetlinkChangeCounters.Overrun);
        _diagnostics?.WarnOnce(RtnetlinkChangeCounters.Overrun, "rtnetlink notifications were dropped by the kernel (receive buffer full); dumping everything again.");
        Raise(RtnetlinkChangeKind.All);
    }

    protected override void OnStopped(Exception? failure)
    {
        if (failure is not null)
        {
            _diagnostics?.Warn($"rtnetlink change notifications stopped: {failure.Message}");
            Raise(RtnetlinkChangeKind.All); // the periodic dump is all that is left
        }
        _signal.Writer.TryComplete(failure);
        _notifications?.Writer.TryComplete(failure);
    }

    private void Raise(RtnetlinkChangeKind kinds)
    {
        // Publish the kinds before the signal, so a reader woken by it always finds them.
        Interlocked.Or(ref _pending, (int)kinds);
        _signal.Writer.TryWrite(true);
    }

    private void CountKind(RtnetlinkChangeKind kinds, RtnetlinkChangeKind kind, ref long field, string counter)
    {
        // Counted per datagram that carried the kind (one notification per datagram is the kernel's habit).
        if ((kinds & kind) != 0)
        {
            Interlocked.Increment(ref field);
            _diagnostics?.Count(counter);
        }
    }

    private static uint Bit(int group) => 1u << (group - 1);
}
