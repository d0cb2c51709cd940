using SocketAgent.Model;
using static SocketAgent.Interop.Sockets;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// Reads sockets with NETLINK_SOCK_DIAG, as <c>ss</c> does: one dump per (family, protocol), filtered by state
/// in the kernel. Sees the network namespace of the calling thread.
/// </summary>
internal sealed class NetlinkSocketSource : ISocketSource
{
    private readonly int _protocol;

    public NetlinkSocketSource() : this(NetlinkProtocol.SockDiag) { }

    /// <summary>Tests pass a protocol the kernel refuses to check the fallback path.</summary>
    internal NetlinkSocketSource(int protocol) => _protocol = protocol;

    public string Name => "netlink";

    public IReadOnlyList<SocketRecord> Collect(SocketQuery query, CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(diagnostics);

        using NetlinkSocket socket = OpenSockDiag(_protocol);
        var collector = new SockDiagCollector(socket, diagnostics);
        collector.Collect(query);

        if (collector.SucceededDumps == 0 && collector.FailedDumps > 0)
        {
            // The kernel answers the socket but no dump at all (inet_diag/unix_diag not built): use /proc instead.
            throw new SocketSourceUnavailableException("netlink sock_diag answered no dump (no diag modules in this kernel).");
        }

        return collector.Records;
    }

    private static NetlinkSocket OpenSockDiag(int protocol)
    {
        try
        {
            return NetlinkSocket.Open(protocol);
        }
        catch (NetlinkException e) when (e.Errno is Errno.EPERM or Errno.EACCES or Errno.EAFNOSUPPORT or Errno.EPROTONOSUPPORT)
        {
            throw new SocketSourceUnavailableException($"netlink sock_diag socket refused: {e.Message}", e);
        }
    }
}
