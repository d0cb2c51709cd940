using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>
/// The /proc/net fallback for <see cref="RtnetlinkCollector"/>: interfaces and counters from <c>dev</c>, IPv6
/// addresses (and so interface indexes) from <c>if_inet6</c>, routes from <c>route</c> and <c>ipv6_route</c>.
/// Point it at <c>/proc/&lt;pid&gt;/net</c> to read another process's network namespace.
/// </summary>
/// <remarks>
/// It knows less than netlink: no IPv4 addresses (no /proc file has them), no link flags, MTU, type, hardware
/// address or operational state; an interface without an IPv6 address has index 0; IPv4 routes of the main table
/// only; IPv6 routes without their table; no protocols. See the parsers for the details.
/// </remarks>
internal sealed class ProcNetRouteReader
{
    private readonly ProcNetPaths _paths;

    public ProcNetRouteReader(ProcNetPaths paths) => _paths = paths;

    /// <param name="netDirectory"><c>/proc/net</c>, or <c>/proc/&lt;pid&gt;/net</c> for another namespace.</param>
    public ProcNetRouteReader(string netDirectory = ProcNetPaths.DefaultDirectory) : this(new ProcNetPaths(netDirectory)) { }

    public NetworkState Read(CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);

        using var reader = new ProcFileReader();
        var devices = new List<(string Name, InterfaceCounters Counters)>();
        var addresses = new List<(string Name, int Index, InterfaceAddress Address)>();
        var routes = new List<RouteRecord>();

        Count(diagnostics, TryRead(reader, _paths.Dev, diagnostics, out ReadOnlySpan<byte> dev) ? ProcNetDevParser.Parse(dev, devices) : 0);
        Count(diagnostics, TryRead(reader, _paths.IfInet6, diagnostics, out ReadOnlySpan<byte> ifInet6) ? ProcNetIfInet6Parser.Parse(ifInet6, addresses) : 0);

        var indexes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((string name, int index, _) in addresses)
        {
            indexes.TryAdd(name, index);
        }

        Count(diagnostics, TryRead(reader, _paths.Route, diagnostics, out ReadOnlySpan<byte> route) ? ProcNetRouteParser.Parse(route, indexes, routes) : 0);
        Count(diagnostics, TryRead(reader, _paths.Ipv6Route, diagnostics, out ReadOnlySpan<byte> route6) ? ProcNetIpv6RouteParser.Parse(route6, indexes, routes) : 0);

        var interfaces = new List<InterfaceRecord>(devices.Count);
        foreach ((string name, InterfaceCounters counters) in devices)
        {
            interfaces.Add(new InterfaceRecord
            {
                Index = indexes.TryGetValue(name, out int index) ? index : 0,
                Name = name,
                Counters = counters,
                Addresses = addresses.Where(a => a.Name == name).Select(a => a.Address).ToList(),
            });
        }

        return new NetworkState { Interfaces = interfaces, Routes = routes, Source = "procfs" };
    }

    private static void Count(CollectionDiagnostics diagnostics, int malformed)
    {
        if (malformed > 0)
        {
            diagnostics.Count(ProcfsCounters.LinesMalformed, malformed);
        }
    }

    private static bool TryRead(ProcFileReader reader, string path, CollectionDiagnostics diagnostics, out ReadOnlySpan<byte> text)
    {
        try
        {
            text = reader.ReadAll(path);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // if_inet6 and ipv6_route are missing when IPv6 is disabled.
            diagnostics.Count(ProcfsCounters.FilesMissing);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Count(ProcfsCounters.FilesUnreadable);
            diagnostics.Warn($"procfs: cannot read {path}: {e.Message}");
        }

        text = default;
        return false;
    }
}
