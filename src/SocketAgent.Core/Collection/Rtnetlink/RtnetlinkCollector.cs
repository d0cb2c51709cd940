using SocketAgent.Collection.Netlink;
using Sys = SocketAgent.Interop.Sys;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>
/// Reads the interfaces, addresses and routes (IPv4 and IPv6, every routing table) of the calling thread's network
/// namespace over NETLINK_ROUTE, as <c>ip addr</c> and <c>ip route show table all</c> do. The socket is opened
/// per call, so a thread moved with setns reads its new namespace.
/// </summary>
/// <remarks>
/// Malformed messages are skipped and counted (<c>rtnetlink.records_malformed</c>); a dump the kernel refuses is
/// warned about and left out. When the socket is refused, I/O fails, or no dump at all succeeds,
/// <see cref="RtnetlinkUnavailableException"/> tells the caller to use <see cref="ProcNetRouteReader"/> instead.
/// </remarks>
internal sealed class RtnetlinkCollector
{
    /// <summary>The kernel answers a dump at once; waiting longer than this means it never will.</summary>
    private static readonly TimeSpan s_receiveTimeout = TimeSpan.FromSeconds(5);

    private readonly int _protocol;

    public RtnetlinkCollector() : this(NetlinkProtocol.Route) { }

    /// <summary>Tests pass a protocol the kernel refuses to check the fallback path.</summary>
    internal RtnetlinkCollector(int protocol) => _protocol = protocol;

    public NetworkState Collect(CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);

        using NetlinkSocket socket = Open(_protocol);
        var dumper = new RtnetlinkDumper(socket, diagnostics);
        NetworkState state;
        try
        {
            socket.SetReceiveTimeout(s_receiveTimeout);
            state = dumper.Collect();
        }
        catch (NetlinkException e)
        {
            throw new RtnetlinkUnavailableException($"rtnetlink dump failed: {e.Message}", e);
        }

        if (dumper.SucceededDumps == 0)
        {
            throw new RtnetlinkUnavailableException("rtnetlink answered no dump.");
        }

        return state;
    }

    private static NetlinkSocket Open(int protocol)
    {
        try
        {
            return NetlinkSocket.Open(protocol);
        }
        catch (NetlinkException e) when (e.Errno is Sys.EPERM or Sys.EACCES or Sys.EAFNOSUPPORT or Sys.EPROTONOSUPPORT)
        {
            throw new RtnetlinkUnavailableException($"rtnetlink socket refused: {e.Message}", e);
        }
    }
}
