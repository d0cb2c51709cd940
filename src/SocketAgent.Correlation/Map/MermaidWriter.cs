using System.Globalization;
using System.Text;

namespace SocketAgent.Correlation.Map;

/// <summary>
/// The map as a Mermaid flowchart (GitHub, GitLab and most wikis draw it inline): a subgraph per host, a node per
/// service, one labelled edge per client→server pair. Ids are the map's own (h1, s1), so names never need to be
/// valid Mermaid identifiers; labels are quoted, their quotes written as <c>#quot;</c>.
/// </summary>
internal static class MermaidWriter
{
    public static string Write(ServiceGraph graph)
    {
        var text = new StringBuilder();
        text.Append("flowchart LR\n");
        int cluster = 0;
        foreach (IGrouping<(string Host, bool Monitored), ServiceNode> host in graph.Hosts)
        {
            bool boxed = host.Key.Host != ServiceNode.AnyHost;
            if (boxed)
            {
                cluster++;
                text.Append(CultureInfo.InvariantCulture, $"  subgraph h{cluster}[\"{Escape(host.First().HostTitle)}\"]\n");
            }
            foreach (ServiceNode service in host)
            {
                text.Append(CultureInfo.InvariantCulture, $"    {graph.IdOf(service)}[\"{Escape(service.Title)}<br/>{Escape(graph.DetailOf(service))}\"]\n");
            }
            if (boxed)
            {
                text.Append("  end\n");
            }
        }
        foreach (ServiceEdge edge in graph.Edges)
        {
            string label = string.Join("<br/>", EdgeLabel.Lines(edge).Select(Escape));
            text.Append(CultureInfo.InvariantCulture, $"  {graph.IdOf(edge.Client)} -->|\"{label}\"| {graph.IdOf(edge.Server)}\n");
        }
        foreach (ServiceKind kind in graph.Services.Select(static s => s.Kind).Distinct().Order())
        {
            string members = string.Join(",", graph.Services.Where(s => s.Kind == kind).Select(graph.IdOf));
            text.Append(CultureInfo.InvariantCulture, $"  classDef {ClassName(kind)} fill:{ServiceStyle.Fill(kind)},stroke:#4a5b73\n");
            text.Append(CultureInfo.InvariantCulture, $"  class {members} {ClassName(kind)}\n");
        }
        return text.ToString();
    }

    private static string ClassName(ServiceKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Mermaid's entity codes for what would end or break a quoted label.</summary>
    public static string Escape(string text) =>
        text.Replace("\"", "#quot;", StringComparison.Ordinal).Replace("<", "#lt;", StringComparison.Ordinal)
            .Replace(">", "#gt;", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
