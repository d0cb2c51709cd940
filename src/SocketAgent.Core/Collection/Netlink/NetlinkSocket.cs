using System.Runtime.InteropServices;
using static SocketAgent.Interop.Sockets;
using Sys = SocketAgent.Interop.Sys;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// An AF_NETLINK socket: sock_diag (<see cref="NetlinkProtocol.SockDiag"/>) today, rtnetlink and multicast
/// subscriptions (destroy events, route changes) through the same type later.
/// </summary>
internal sealed class NetlinkSocket : INetlinkTransport, IDisposable
{
    private readonly SafeNetlinkHandle _handle;

    private NetlinkSocket(SafeNetlinkHandle handle) => _handle = handle;

    /// <summary>
    /// Opens a netlink socket for <paramref name="protocol"/>; when <paramref name="groups"/> is non-zero it is
    /// bound to those multicast groups (<c>1 &lt;&lt; (group - 1)</c> each). Throws <see cref="NetlinkException"/>.
    /// </summary>
    public static unsafe NetlinkSocket Open(int protocol, uint groups = 0)
    {
        int fd = Socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            throw new NetlinkException("socket", Marshal.GetLastPInvokeError());
        }

        var handle = new SafeNetlinkHandle(fd);
        if (groups != 0)
        {
            var address = new SockAddrNetlink { Family = AF_NETLINK, Groups = groups };
            if (Bind(handle, &address, (uint)sizeof(SockAddrNetlink)) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                handle.Dispose();
                throw new NetlinkException("bind", errno);
            }
        }

        return new NetlinkSocket(handle);
    }

    /// <summary>
    /// Bounds each <see cref="Receive"/>: a dump the kernel never answers then fails with EAGAIN instead of
    /// hanging the agent. Subscription sockets that wait for events leave it unset.
    /// </summary>
    public unsafe void SetReceiveTimeout(TimeSpan timeout)
    {
        long micros = (long)timeout.TotalMicroseconds;
        var value = new TimeValue { Seconds = micros / 1_000_000, Microseconds = micros % 1_000_000 };
        if (SetSockOpt(_handle, SOL_SOCKET, SO_RCVTIMEO, &value, (uint)sizeof(TimeValue)) != 0)
        {
            throw new NetlinkException("setsockopt(SO_RCVTIMEO)", Marshal.GetLastPInvokeError());
        }
    }

    public unsafe void Send(ReadOnlySpan<byte> request)
    {
        fixed (byte* p = request)
        {
            while (true)
            {
                nint sent = Interop.Sockets.Send(_handle, p, (nuint)request.Length, 0);
                if (sent >= 0)
                {
                    // Netlink datagrams are sent whole or not at all.
                    return;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != Sys.EINTR)
                {
                    throw new NetlinkException("send", errno);
                }
            }
        }
    }

    public unsafe int Receive(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint received = Recv(_handle, p, (nuint)buffer.Length, 0);
                if (received >= 0)
                {
                    return (int)received;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != Sys.EINTR)
                {
                    throw new NetlinkException("recv", errno);
                }
            }
        }
    }

    /// <summary>
    /// Like <see cref="Receive"/>, but a failure is returned instead of thrown: subscription sockets meet EAGAIN
    /// (the receive timeout that lets their thread notice a stop) and ENOBUFS (the kernel dropped notifications)
    /// as part of normal operation. Returns the datagram length, or -1 with <paramref name="errno"/> set.
    /// </summary>
    public unsafe int TryReceive(Span<byte> buffer, out int errno)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint received = Recv(_handle, p, (nuint)buffer.Length, 0);
                if (received >= 0)
                {
                    errno = 0;
                    return (int)received;
                }

                errno = Marshal.GetLastPInvokeError();
                if (errno != Sys.EINTR)
                {
                    return -1;
                }
            }
        }
    }

    /// <summary>
    /// Asks for a receive buffer of <paramref name="bytes"/>: SO_RCVBUFFORCE first (root may exceed
    /// <c>net.core.rmem_max</c>), then SO_RCVBUF (capped at rmem_max). A bigger buffer absorbs bursts of
    /// notifications the kernel would otherwise drop. Returns false when neither was accepted.
    /// </summary>
    public unsafe bool TrySetReceiveBufferSize(int bytes)
    {
        const int SO_RCVBUF = 8;
        const int SO_RCVBUFFORCE = 33;
        int value = bytes;
        return SetSockOpt(_handle, SOL_SOCKET, SO_RCVBUFFORCE, &value, sizeof(int)) == 0 ||
               SetSockOpt(_handle, SOL_SOCKET, SO_RCVBUF, &value, sizeof(int)) == 0;
    }

    public void Dispose() => _handle.Dispose();
}
