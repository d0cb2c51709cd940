namespace SocketAgent.Model;

/// <summary>The transport a socket belongs to, as ECS <c>network.transport</c> names it.</summary>
public enum Transport : byte
{
    Tcp,
    Udp,
    Raw,
    Unix,
}

/// <summary>A set of transports, used by netstat-style selectors (<c>-t -u -w -x</c>).</summary>
[Flags]
public enum TransportSet : byte
{
    None = 0,
    Tcp = 1,
    Udp = 2,
    Raw = 4,
    Unix = 8,
    Inet = Tcp | Udp | Raw,
    All = Tcp | Udp | Raw | Unix,
}

/// <summary>Which IP families to collect (netstat's <c>-4</c> / <c>-6</c>).</summary>
[Flags]
public enum IpFamilySet : byte
{
    None = 0,
    IPv4 = 1,
    IPv6 = 2,
    Both = IPv4 | IPv6,
}

public static class TransportExtensions
{
    /// <summary>The ECS spelling: <c>tcp</c>, <c>udp</c>, <c>raw</c>, <c>unix</c>.</summary>
    public static string ToEcsName(this Transport transport) => transport switch
    {
        Transport.Tcp => "tcp",
        Transport.Udp => "udp",
        Transport.Raw => "raw",
        Transport.Unix => "unix",
        _ => "unknown",
    };

    public static TransportSet ToSet(this Transport transport) => transport switch
    {
        Transport.Tcp => TransportSet.Tcp,
        Transport.Udp => TransportSet.Udp,
        Transport.Raw => TransportSet.Raw,
        Transport.Unix => TransportSet.Unix,
        _ => TransportSet.None,
    };
}
