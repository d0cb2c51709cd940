using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Diff;

/// <summary>
/// What identifies a route in the kernel's FIB: family, table, destination and source prefixes, tos, metric and
/// type (two routes differing in any of these coexist). <see cref="Ordinal"/> numbers routes a dump lists twice
/// under the same key, so none is lost.
/// </summary>
internal readonly record struct RouteKey(
    AddressFamily Family,
    uint Table,
    IPAddress Destination,
    byte DestinationPrefixLength,
    IPAddress? Source,
    byte SourcePrefixLength,
    byte Tos,
    uint Metric,
    byte Type,
    int Ordinal)
{
    public static RouteKey Of(RouteRecord route, int ordinal = 0) => new(
        route.Family,
        route.Table,
        route.Destination,
        route.DestinationPrefixLength,
        route.Source,
        route.SourcePrefixLength,
        route.Tos,
        route.Metric,
        route.Type,
        ordinal);
}
