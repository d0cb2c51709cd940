using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// The default <see cref="IConnectionDirectionResolver"/> of one network namespace, from its listeners and its own
/// addresses:
/// <list type="bullet">
/// <item><c>listening</c>: a TCP listener, or an unconnected UDP socket (remote port 0).</item>
/// <item><c>internal</c>: the remote address is loopback or one of the namespace's own addresses. The local end is the
/// server when its port is a listener (as for ingress), the client when the remote end is a listener, else unknown.</item>
/// <item><c>ingress</c>: the local (transport, address, port) is a listener's, or the port is a listener's on the
/// wildcard (0.0.0.0 or ::, either family: a dual-stack :: listener accepts IPv4 peers).</item>
/// <item><c>egress</c>: any other connected TCP or UDP socket.</item>
/// </list>
/// UNIX and raw sockets, and TCP sockets neither listening nor connected, have no direction.
/// The listener table is reference-counted (SO_REUSEPORT lets several sockets listen on one port), so a daemon can
/// keep one resolver per namespace up to date with <see cref="AddListener"/> / <see cref="RemoveListener"/> as
/// sockets open and close, instead of rebuilding it each cycle. Not thread-safe.
/// </summary>
public sealed class ConnectionDirectionResolver : IConnectionDirectionResolver
{
    private readonly Dictionary<ListenerKey, int> _listeners = [];
    private readonly HashSet<UInt128> _hostAddresses = [];

    /// <param name="hostAddresses">The namespace's own addresses (its interfaces'); loopback needs not be listed.</param>
    public ConnectionDirectionResolver(IEnumerable<IPAddress>? hostAddresses = null)
    {
        if (hostAddresses is not null)
        {
            foreach (IPAddress address in hostAddresses)
            {
                AddHostAddress(address);
            }
        }
    }

    /// <summary>
    /// A resolver for the sockets of one snapshot: its listeners, and as host addresses the interfaces' addresses
    /// (when given) plus every specific local address a socket is bound to (a socket can only bind an own address,
    /// IP_FREEBIND aside), so a snapshot without interfaces still knows its own addresses.
    /// </summary>
    public static ConnectionDirectionResolver FromSockets(IReadOnlyList<SocketRecord> sockets, IEnumerable<InterfaceRecord>? interfaces = null)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        var resolver = new ConnectionDirectionResolver();
        if (interfaces is not null)
        {
            foreach (InterfaceRecord link in interfaces)
            {
                foreach (InterfaceAddress address in link.Addresses)
                {
                    resolver.AddHostAddress(address.Address);
                }
            }
        }
        for (int i = 0; i < sockets.Count; i++)
        {
            SocketRecord socket = sockets[i];
            if (socket.Transport is not (Transport.Tcp or Transport.Udp))
            {
                continue;
            }
            resolver.AddListener(socket);
            if (socket.LocalAddress is IPAddress local && !IsAny(local))
            {
                resolver.AddHostAddress(local);
            }
        }
        return resolver;
    }

    /// <summary>A resolver for one namespace of a <see cref="HostSnapshot"/>: its sockets and interfaces.</summary>
    public static ConnectionDirectionResolver FromNamespace(NamespaceState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return FromSockets(state.Sockets, state.Interfaces);
    }

    /// <summary>Number of distinct listening (transport, address, port) entries.</summary>
    public int ListenerCount => _listeners.Count;

    /// <summary>True for a TCP listener or an unconnected UDP socket: the sockets that make a port a listener.</summary>
    public static bool IsListener(SocketRecord socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return socket.Transport switch
        {
            Transport.Tcp => socket.State == KernelSocketState.Listen,
            // An unconnected UDP socket has no remote port; a connected one always has.
            Transport.Udp => socket.RemotePort == 0 && socket.State != KernelSocketState.Established,
            _ => false,
        };
    }

    /// <summary>Counts <paramref name="socket"/> as a listener if it is one (<see cref="IsListener"/>); else does nothing.</summary>
    public void AddListener(SocketRecord socket)
    {
        if (IsListener(socket) && TryGetKey(socket.Transport, socket.LocalAddress, socket.LocalPort, out ListenerKey key))
        {
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_listeners, key, out _)++;
        }
    }

    /// <summary>Uncounts a listener added with <see cref="AddListener"/>; does nothing for other sockets.</summary>
    public void RemoveListener(SocketRecord socket)
    {
        if (IsListener(socket) && TryGetKey(socket.Transport, socket.LocalAddress, socket.LocalPort, out ListenerKey key) &&
            _listeners.TryGetValue(key, out int count))
        {
            if (count <= 1)
            {
                _listeners.Remove(key);
            }
            else
            {
                _listeners[key] = count - 1;
            }
        }
    }

    /// <summary>Adds an address of the host (of this namespace): peers at it are <c>internal</c>.</summary>
    public void AddHostAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!IsAny(address))
        {
            _hostAddresses.Add(ToKey(address));
        }
    }

    /// <summary>Replaces the host addresses (after an interface address was added or removed).</summary>
    public void SetHostAddresses(IEnumerable<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        _hostAddresses.Clear();
        foreach (IPAddress address in addresses)
        {
            AddHostAddress(address);
        }
    }

    public ConnectionFlow Resolve(SocketRecord socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.Transport is not (Transport.Tcp or Transport.Udp))
        {
            return ConnectionFlow.Unknown;
        }
        if (IsListener(socket))
        {
            return new ConnectionFlow(ConnectionDirection.Listening, ConnectionRole.Server);
        }
        if (socket.RemotePort == 0 || socket.RemoteAddress is null || IsAny(socket.RemoteAddress))
        {
            // A TCP socket bound but neither listening nor connected (or closed before it connected).
            return ConnectionFlow.Unknown;
        }

        bool localIsListener = IsListening(socket.Transport, socket.LocalAddress, socket.LocalPort);
        UInt128 remote = ToKey(socket.RemoteAddress);
        if (IsLoopback(remote) || _hostAddresses.Contains(remote))
        {
            ConnectionRole role = localIsListener ? ConnectionRole.Server
                : IsListening(socket.Transport, socket.RemoteAddress, socket.RemotePort) ? ConnectionRole.Client
                : ConnectionRole.Unknown;
            return new ConnectionFlow(ConnectionDirection.Internal, role);
        }
        return localIsListener
            ? new ConnectionFlow(ConnectionDirection.Ingress, ConnectionRole.Server)
            : new ConnectionFlow(ConnectionDirection.Egress, ConnectionRole.Client);
    }

    private bool IsListening(Transport transport, IPAddress? address, int port)
    {
        if (_listeners.Count == 0 || (uint)port > ushort.MaxValue || port == 0)
        {
            return false;
        }
        return _listeners.ContainsKey(new ListenerKey(transport, IsAny: true, 0, (ushort)port)) ||
            (address is not null && _listeners.ContainsKey(new ListenerKey(transport, IsAny: false, ToKey(address), (ushort)port)));
    }

    private static bool TryGetKey(Transport transport, IPAddress? address, int port, out ListenerKey key)
    {
        if ((uint)port > ushort.MaxValue)
        {
            key = default;
            return false;
        }
        key = address is null || IsAny(address)
            ? new ListenerKey(transport, IsAny: true, 0, (ushort)port)
            : new ListenerKey(transport, IsAny: false, ToKey(address), (ushort)port);
        return true;
    }

    private static bool IsAny(IPAddress address) =>
        address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    // 127.0.0.0/8 (as ::ffff:127.x.x.x) and ::1.
    private static bool IsLoopback(UInt128 key) =>
        key == UInt128.One || (key >> 24) == 0xFF_FF7F;

    /// <summary>The address as 128 bits, IPv4 as IPv4-mapped IPv6 (so both spellings of one address are equal), scope dropped.</summary>
    private static UInt128 ToKey(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            bytes[10] = 0xFF;
            bytes[11] = 0xFF;
            address.TryWriteBytes(bytes[12..], out _);
        }
        else
        {
            address.TryWriteBytes(bytes, out _);
        }
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private readonly record struct ListenerKey(Transport Transport, bool IsAny, UInt128 Address, ushort Port);
}
