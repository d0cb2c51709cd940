using SocketAgent.Model;

namespace SocketAgent.Diff;

/// <summary>Builds the record a closed event carries: the last full sighting, completed with what the end told.</summary>
internal static class SocketRecordMerge
{
    /// <summary>
    /// The last known record with the final state, queues, timer and tcp_info of a destroy notification. Addresses,
    /// inode and uid stay the last known ones: the notification has inode and uid 0.
    /// </summary>
    public static SocketRecord WithDestroy(TrackedSocket tracked, SocketRecord destroyed) =>
        Copy(tracked.Record, tracked.Inode, tracked.Uid, destroyed.State, destroyed.TcpInfo ?? tracked.Record.TcpInfo,
             destroyed.RecvQueue, destroyed.SendQueue, destroyed.Timer);

    /// <summary>The last known record, in the remnant's state when a TIME_WAIT entry replaced the socket; allocates only when something differs.</summary>
    public static SocketRecord ForClose(TrackedSocket tracked)
    {
        SocketRecord last = tracked.Record;
        KernelSocketState state = tracked.RemnantState ?? last.State;
        if (state == last.State && tracked.Inode == last.Inode && tracked.Uid == last.Uid)
        {
            return last;
        }
        return Copy(last, tracked.Inode, tracked.Uid, state, last.TcpInfo, last.RecvQueue, last.SendQueue, last.Timer);
    }

    private static SocketRecord Copy(
        SocketRecord last, ulong inode, uint uid, KernelSocketState state, TcpInfo? tcpInfo, ulong recvQueue, ulong sendQueue, byte timer) => new()
    {
        Transport = last.Transport,
        Family = last.Family,
        TableFamily = last.TableFamily,
        State = state,
        LocalAddress = last.LocalAddress,
        LocalPort = last.LocalPort,
        RemoteAddress = last.RemoteAddress,
        RemotePort = last.RemotePort,
        RecvQueue = recvQueue,
        SendQueue = sendQueue,
        Uid = uid,
        Inode = inode,
        Cookie = last.Cookie,
        InterfaceIndex = last.InterfaceIndex,
        RawProtocol = last.RawProtocol,
        TcpInfo = tcpInfo,
        Timer = timer,
        UnixType = last.UnixType,
        UnixPath = last.UnixPath,
        UnixPeerInode = last.UnixPeerInode,
        UnixRefCount = last.UnixRefCount,
        UnixFlags = last.UnixFlags,
    };
}
