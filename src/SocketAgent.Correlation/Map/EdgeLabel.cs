using System.Globalization;

namespace SocketAgent.Correlation.Map;

/// <summary>
/// An edge's label, the same in every picture: the server ports and the count on the first line, the bytes each way
/// (→ in the edge's direction, client to server; ← back) on the second. Long port lists are cut: a picture must
/// stay legible, the JSON output has them all.
/// </summary>
internal static class EdgeLabel
{
    private const int PortsShown = 4;

    public static string PortsAndCount(ServiceEdge edge)
    {
        string ports = string.Join(", ", edge.Ports.Take(PortsShown));
        if (edge.Ports.Count > PortsShown)
        {
            ports += $" +{edge.Ports.Count - PortsShown}";
        }
        string count = edge.Connections.ToString(CultureInfo.InvariantCulture) + (edge.Connections == 1 ? " conn" : " conns");
        return $"{ports} · {count}";
    }

    /// <summary>The bytes each way, or null when no connection of the edge had a byte count.</summary>
    public static string? Bytes(ServiceEdge edge) =>
        edge.BytesToServer < 0 && edge.BytesToClient < 0
            ? null
            : $"→ {ByteSize.Format(Math.Max(edge.BytesToServer, 0))}  ← {ByteSize.Format(Math.Max(edge.BytesToClient, 0))}";

    public static IEnumerable<string> Lines(ServiceEdge edge)
    {
        yield return PortsAndCount(edge);
        if (Bytes(edge) is { } bytes)
        {
            yield return bytes;
        }
    }

    /// <summary>An edge's weight in the picture: a line width growing with the log of its connections, 1 to 5.</summary>
    public static double Width(ServiceEdge edge) => Math.Min(5, 1 + Math.Log10(Math.Max(1, edge.Connections)));
}
