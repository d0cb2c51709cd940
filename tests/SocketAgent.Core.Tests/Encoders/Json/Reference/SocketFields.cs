using SocketAgent.Model;

using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json.Reference;

/// <summary>
/// <c>socket.*</c> (not an ECS field set): what netstat and ss print about the socket, plus kernel ids.
/// </summary>
public sealed class SocketFields
{
    /// <summary>The state as netstat prints it (<see cref="SocketStateNames.Netstat"/>); "" for an unconnected UDP socket.</summary>
    public required string State { get; set; }

    /// <summary>For <c>state_changed</c> events: the state before, as netstat prints it.</summary>
    public string? PreviousState { get; set; }

    /// <summary>The kernel's numeric <c>sk_state</c>; full profile only.</summary>
    public int? StateCode { get; set; }

    /// <summary>Which ECS end the socket is: <c>source</c> or <c>destination</c>; null for listeners and UNIX sockets.</summary>
    public string? LocalEnd { get; set; }

    /// <summary>UNIX socket path; abstract names start with '@'. Null when unbound.</summary>
    public string? Path { get; set; }

    public UnixFields? Unix { get; set; }

    public ulong? Inode { get; set; }

    /// <summary>SO_COOKIE; null when the source cannot read it (/proc/net).</summary>
    public ulong? Cookie { get; set; }

    /// <summary>Left out when empty (default profile) or in the minimal profile.</summary>
    public ulong? RecvQ { get; set; }

    public ulong? SendQ { get; set; }

    public InterfaceFields? Interface { get; set; }

    /// <summary>Raw sockets: the IP protocol number.</summary>
    public int? RawProtocol { get; set; }

    /// <summary>TCP only, and only when the source read it (sock_diag, full sockets).</summary>
    public TcpInfoJson? TcpInfo { get; set; }

    /// <summary>For <c>closed</c> events: false when the socket was known only from its destroy notification.</summary>
    public bool? SeenOpen { get; set; }

    /// <summary>Every holder, lowest pid first; only when more than one process holds the socket.</summary>
    public IReadOnlyList<ProcessFields>? Processes { get; set; }
}

/// <summary>An address and port.</summary>
public sealed class EndpointFields
{
    public required string Ip { get; init; }

    public int Port { get; init; }
}

/// <summary><c>socket.unix.*</c>.</summary>
public sealed class UnixFields
{
    /// <summary><c>stream</c>, <c>dgram</c>, <c>seqpacket</c>, <c>raw</c>, <c>rdm</c> or <c>unknown</c>.</summary>
    public required string Type { get; init; }

    /// <summary>Inode of the connected peer; null when not connected.</summary>
    public ulong? PeerInode { get; init; }
}

/// <summary><c>socket.interface.*</c>: the device the socket is bound to.</summary>
public sealed class InterfaceFields
{
    public required uint Index { get; init; }
}
