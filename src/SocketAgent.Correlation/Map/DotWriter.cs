using System.Globalization;
using System.Text;

namespace SocketAgent.Correlation.Map;

/// <summary>
/// The map as Graphviz DOT: one cluster per host (a host no agent watches is dashed and says so), a box per service,
/// one edge per client→server pair labelled with ports, count and bytes, first and last seen as the edge's tooltip
/// (shown on hover in the SVG). Left to right: callers on the left, what they depend on to the right.
/// </summary>
internal static class DotWriter
{
    public static string Write(ServiceGraph graph)
    {
        var dot = new StringBuilder();
        dot.Append("digraph services {\n");
        dot.Append("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, nodesep=0.35, ranksep=1.4, newrank=true];\n");
        dot.Append("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11, color=\"#4a5b73\", margin=\"0.15,0.06\"];\n");
        dot.Append("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#4a5b73\", fontcolor=\"#303030\", arrowsize=0.7];\n");
        int cluster = 0;
        foreach (IGrouping<(string Host, bool Monitored), ServiceNode> host in graph.Hosts)
        {
            // Services grouped across hosts stand outside any host's box.
            bool boxed = host.Key.Host != ServiceNode.AnyHost;
            if (boxed)
            {
                cluster++;
                dot.Append(CultureInfo.InvariantCulture, $"  subgraph cluster_h{cluster} {{\n");
                dot.Append(CultureInfo.InvariantCulture, $"    label=\"{Escape(host.First().HostTitle)}\"; labeljust=l; style=\"rounded{(host.Key.Monitored ? "" : ",dashed")}\"; color=\"#8a8a8a\"; fontname=\"Helvetica-Bold\";\n");
            }
            foreach (ServiceNode service in host)
            {
                dot.Append(CultureInfo.InvariantCulture,
                    $"    {graph.IdOf(service)} [label=\"{Escape(service.Title)}\\n{Escape(graph.DetailOf(service))}\", fillcolor=\"{ServiceStyle.Fill(service.Kind)}\"{(ServiceStyle.Dashed(service) ? ", style=\"rounded,filled,dashed\"" : "")}];\n");
            }
            if (boxed)
            {
                dot.Append("  }\n");
            }
        }
        foreach (ServiceEdge edge in graph.Edges)
        {
            string label = string.Join("\\n", EdgeLabel.Lines(edge).Select(Escape));
            string tooltip = $"{edge.Client.Title} → {edge.Server.Title}: first {EventTimestamp.ToText(edge.FirstSeen)}, last {EventTimestamp.ToText(edge.LastSeen)}";
            dot.Append(CultureInfo.InvariantCulture,
                $"  {graph.IdOf(edge.Client)} -> {graph.IdOf(edge.Server)} [label=\"{label}\", penwidth={EdgeLabel.Width(edge):0.0#}, tooltip=\"{Escape(tooltip)}\"];\n");
        }
        dot.Append("}\n");
        return dot.ToString();
    }

    /// <summary>A DOT quoted string's content: backslashes and quotes escaped, line breaks as \n.</summary>
    public static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\r", "", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
