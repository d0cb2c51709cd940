using SocketAgent.Model;
using static SocketAgent.Interop.Sockets;
using Sys = SocketAgent.Interop.Sys;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// Reads sockets with NETLINK_SOCK_DIAG, as <c>ss</c> does: one dump per (family, protocol), filtered by state
/// in the kernel. Sees the network namespace of the calling thread (the socket is opened per call, so a thread
/// moved with setns reads its new namespace).
/// </summary>
/// <remarks>
/// A table the kernel cannot dump (raw sockets without raw_diag, as on kernels built without
/// CONFIG_INET_RAW_DIAG) is warned about once and counted as <c>netlink.protocol_unavailable.&lt;raw|raw6|…&gt;</c>
/// in the diagnostics, so a caller can read just that table from /proc/net. When no requested table can be
/// dumped, or the socket is refused, <see cref="SocketSourceUnavailableException"/> tells the caller to fall back.
/// Families select tables as netstat and ss do: an IPv4 peer of a dual-stack socket lives in the IPv6 table
/// (so it is listed by an IPv6 query) but is reported as IPv4.
/// </remarks>
internal sealed class NetlinkSocketSource : ISocketSource
{
    /// <summary>The kernel answers a dump at once; waiting longer than this means it never will.</summary>
    private static readonly TimeSpan s_receiveTimeout = TimeSpan.FromSeconds(5);

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
        try
        {
            socket.SetReceiveTimeout(s_receiveTimeout);
            collector.Collect(query);
        }
        catch (NetlinkException e)
        {
            // send/recv failed or timed out mid-dump (never seen in practice): a complete list from /proc beats a partial one.
            throw new SocketSourceUnavailableException($"netlink sock_diag dump failed: {e.Message}", e);
        }

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
        catch (NetlinkException e) when (e.Errno is Sys.EPERM or Sys.EACCES or Sys.EAFNOSUPPORT or Sys.EPROTONOSUPPORT)
        {
            throw new SocketSourceUnavailableException($"netlink sock_diag socket refused: {e.Message}", e);
        }
    }
}
