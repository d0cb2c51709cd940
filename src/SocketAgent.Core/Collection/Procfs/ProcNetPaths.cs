namespace SocketAgent.Collection.Procfs;

/// <summary>
/// The <c>/proc/net</c> files the fallback source reads (in the spirit of dotnet/runtime's <c>NetworkFiles.cs</c>).
/// The directory is configurable because <c>/proc/net</c> is the caller's network namespace: another namespace's
/// tables are at <c>/proc/&lt;pid&gt;/net</c> of any process inside it, and tests point it at captured files.
/// </summary>
internal sealed class ProcNetPaths
{
    public const string DefaultDirectory = "/proc/net";

    public ProcNetPaths(string netDirectory = DefaultDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(netDirectory);
        Directory = netDirectory;
        Tcp = Path.Combine(netDirectory, "tcp");
        Tcp6 = Path.Combine(netDirectory, "tcp6");
        Udp = Path.Combine(netDirectory, "udp");
        Udp6 = Path.Combine(netDirectory, "udp6");
        Raw = Path.Combine(netDirectory, "raw");
        Raw6 = Path.Combine(netDirectory, "raw6");
        Unix = Path.Combine(netDirectory, "unix");
        Snmp = Path.Combine(netDirectory, "snmp");
        Snmp6 = Path.Combine(netDirectory, "snmp6");
        Netstat = Path.Combine(netDirectory, "netstat");
        Route = Path.Combine(netDirectory, "route");
        Ipv6Route = Path.Combine(netDirectory, "ipv6_route");
        Dev = Path.Combine(netDirectory, "dev");
        IfInet6 = Path.Combine(netDirectory, "if_inet6");
    }

    /// <summary>The tables of the network namespace that process <paramref name="pid"/> is in.</summary>
    public static ProcNetPaths ForProcess(int pid, string procRoot = "/proc") =>
        new(Path.Combine(procRoot, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "net"));

    public string Directory { get; }

    public string Tcp { get; }
    public string Tcp6 { get; }
    public string Udp { get; }
    public string Udp6 { get; }
    public string Raw { get; }
    public string Raw6 { get; }
    public string Unix { get; }

    public string Snmp { get; }
    public string Snmp6 { get; }
    public string Netstat { get; }
    public string Route { get; }
    public string Ipv6Route { get; }
    public string Dev { get; }
    public string IfInet6 { get; }
}
