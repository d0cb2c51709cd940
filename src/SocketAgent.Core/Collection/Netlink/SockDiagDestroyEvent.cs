using SocketAgent.Model;

namespace SocketAgent.Collection.Netlink;

/// <summary>
/// One socket the kernel destroyed, as its sock_diag destroy notification described it, and when the
/// notification arrived (the kernel sends it from a work queue, so within milliseconds of the last close).
/// </summary>
/// <param name="Record">
/// The socket's last state: cookie, addresses, ports, state (usually CLOSE), final <see cref="TcpInfo"/> for TCP.
/// The kernel sends no owner: <see cref="SocketRecord.Inode"/> and <see cref="SocketRecord.Uid"/> are 0.
/// </param>
/// <param name="At">When the listener received the notification.</param>
internal readonly record struct SockDiagDestroyEvent(SocketRecord Record, DateTimeOffset At);
