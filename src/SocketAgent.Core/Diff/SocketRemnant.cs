using SocketAgent.Model;

namespace SocketAgent.Diff;

/// <summary>
/// Recognises the kernel's mini sockets that stand for a connection without being its socket: the TIME_WAIT
/// entry (<c>inet_timewait_sock</c>, also in substate FIN_WAIT2 for an orphan whose peer has not closed yet) and
/// the request socket of a handshake in progress (SYN_RECV). Both have inode 0, uid 0, no tcp_info; the
/// TIME_WAIT entry keeps the cookie of the socket it replaces (checked on 6.18), a request socket has its own.
/// </summary>
internal static class SocketRemnant
{
    /// <summary>The kernel's timer value for a TIME_WAIT mini socket (<c>idiag_timer</c> / /proc's <c>tr</c>).</summary>
    private const byte TimeWaitTimer = 3;

    public static bool IsRemnant(SocketRecord record) =>
        record.Transport == Transport.Tcp &&
        (record.Timer == TimeWaitTimer ||
         record.State is KernelSocketState.TimeWait or KernelSocketState.SynRecv or KernelSocketState.NewSynRecv);
}
