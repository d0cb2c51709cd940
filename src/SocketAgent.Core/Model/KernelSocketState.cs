namespace SocketAgent.Model;

/// <summary>
/// The kernel's <c>sk_state</c> values (include/net/tcp_states.h). sock_diag reports these for every
/// family; UDP, raw and UNIX sockets reuse them (7 = unconnected, 1 = connected, 10 = listening).
/// </summary>
public enum KernelSocketState : byte
{
    Unknown = 0,
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Close = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
    NewSynRecv = 12,
    BoundInactive = 13,
}
