using Sys = SocketAgent.Interop.Sys;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// The part every netlink multicast subscription shares: a socket bound to some groups, read by one dedicated
/// thread that wakes every poll interval to see whether it was asked to stop, and the kernel's two ways of
/// failing — ENOBUFS (it dropped notifications; the subscription goes on) and any other errno (it ends).
/// Subclasses parse datagrams and decide what an overrun or the end means for their readers.
/// </summary>
/// <remarks>
/// The socket is opened by the subclass's constructor in the calling thread's network namespace and stays bound
/// there: construct on a thread setns'ed into a namespace to follow that namespace. <see cref="Start"/> is
/// separate and should be called from a thread of the agent's own namespace: a thread inherits its creator's
/// namespace, and the reader wakes channel readers, which may make the thread pool create a worker on it.
/// </remarks>
internal abstract class NetlinkMulticastListener : IDisposable
{
    /// <summary>How long a receive waits before the thread looks whether it was asked to stop.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(200);

    private readonly NetlinkSocket? _socket;
    private readonly int _bufferSize;
    private readonly string _threadName;
    private Thread? _thread;
    private volatile bool _stopping;
    private long _overruns;

    /// <param name="socket">The bound socket (owned from here on), or null when there is nothing to subscribe to.</param>
    /// <param name="bufferSize">The receive buffer: the largest datagram the subscription can carry.</param>
    protected NetlinkMulticastListener(NetlinkSocket? socket, int bufferSize, string threadName)
    {
        _socket = socket;
        _bufferSize = bufferSize;
        _threadName = threadName;
    }

    /// <summary>Datagrams the kernel dropped because the receive buffer was full (ENOBUFS reports).</summary>
    public long Overruns => Interlocked.Read(ref _overruns);

    /// <summary>The reader thread, once started (tests check that it ends).</summary>
    internal Thread? Thread => _thread;

    /// <summary>
    /// Opens netlink <paramref name="protocol"/> (a <see cref="NetlinkProtocol"/> number) bound to <paramref name="groups"/> with the poll interval as its receive
    /// timeout. Returns whether the receive buffer could be enlarged to <paramref name="receiveBufferBytes"/>.
    /// </summary>
    /// <exception cref="NetlinkException">The socket could not be opened or bound.</exception>
    protected static NetlinkSocket OpenSocket(int protocol, uint groups, TimeSpan? pollInterval, int receiveBufferBytes, out bool bufferEnlarged)
    {
        NetlinkSocket socket = NetlinkSocket.Open(protocol, groups);
        try
        {
            socket.SetReceiveTimeout(pollInterval ?? DefaultPollInterval);
            bufferEnlarged = socket.TrySetReceiveBufferSize(receiveBufferBytes);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts the reader thread (a dedicated background thread, never a pool thread).</summary>
    protected void StartThread()
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        if (_socket is null || _thread is not null)
        {
            return;
        }

        _thread = new Thread(Run) { IsBackground = true, Name = _threadName };
        _thread.UnsafeStart();
    }

    /// <summary>Stops the reader thread (within one poll interval), closes the socket, then <see cref="OnStopped"/>.</summary>
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
        OnStopped(failure: null);
    }

    /// <summary>One datagram as received (it may hold several netlink messages).</summary>
    protected abstract void OnDatagram(ReadOnlySpan<byte> datagram);

    /// <summary>The kernel dropped notifications (already counted in <see cref="Overruns"/>).</summary>
    protected abstract void OnOverrun();

    /// <summary>
    /// The subscription ended: <paramref name="failure"/> is the receive error that ended it, or null after
    /// <see cref="Dispose"/>. May be called twice (a failure, then Dispose): completing channels must be idempotent.
    /// </summary>
    protected abstract void OnStopped(Exception? failure);

    private void Run()
    {
        byte[] buffer = new byte[_bufferSize];
        while (!_stopping)
        {
            int length = _socket!.TryReceive(buffer, out int errno);
            if (length >= 0)
            {
                OnDatagram(buffer.AsSpan(0, length));
            }
            else if (errno == Sys.ENOBUFS)
            {
                Interlocked.Increment(ref _overruns);
                OnOverrun();
            }
            else if (errno != Sys.EAGAIN) // EAGAIN: the poll interval passed; look at _stopping again
            {
                OnStopped(new NetlinkException("recv", errno));
                return;
            }
        }
    }
}
