namespace SocketAgent.Collection.Processes;

/// <summary>
/// The fd tables a <see cref="ProcessSocketScanner.Walk"/> went through, waiting for
/// <see cref="ProcessSocketScanner.Resolve"/>: the socket fds found per worker, and the open proc root the holders'
/// details are read from (closed by <see cref="Dispose"/>).
/// </summary>
internal sealed class FdTableScan : IDisposable
{
    private int _rootFd;

    public FdTableScan(int rootFd, FdTableWalker.Worker[] workers)
    {
        _rootFd = rootFd;
        Workers = workers;
    }

    public FdTableWalker.Worker[] Workers { get; }

    public int RootFd
    {
        get
        {
            ObjectDisposedException.ThrowIf(_rootFd < 0, this);
            return _rootFd;
        }
    }

    public void Dispose()
    {
        if (_rootFd >= 0)
        {
            Interop.Sys.Close(_rootFd);
            _rootFd = -1;
        }
    }
}
