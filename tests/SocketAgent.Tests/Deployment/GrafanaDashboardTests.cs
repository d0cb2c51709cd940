using System.Text.Json;
using System.Text.RegularExpressions;
using SocketAgent.Tests.Operations;

namespace SocketAgent.Tests.Deployment;

/// <summary>The metric names a Grafana dashboard's PromQL expressions query.</summary>
internal static partial class GrafanaDashboard
{
    /// <summary>Every <c>expr</c> of every panel target, and of the query variables.</summary>
    public static IReadOnlyList<string> Expressions(string path)
    {
        using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(path));
        var expressions = new List<string>();
        foreach (JsonElement panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            foreach (JsonElement target in panel.GetProperty("targets").EnumerateArray())
            {
                expressions.Add(target.GetProperty("expr").GetString()!);
            }
        }
        foreach (JsonElement variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.TryGetProperty("definition", out JsonElement definition))
            {
                expressions.Add(definition.GetString()!);
            }
        }
        return expressions;
    }

    /// <summary>The metric names (the agent's, the runtime's, the process's) the expressions use.</summary>
    public static IReadOnlySet<string> MetricNames(string path) =>
        Expressions(path)
            .Select(static e => LabelContext().Replace(e, " "))
            .SelectMany(static e => MetricName().Matches(e).Select(static m => m.Value))
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"\b(socket_agent|dotnet|process)_[a-z_]+\b")]
    private static partial Regex MetricName();

    /// <summary>Where PromQL names labels, not metrics: selectors, grouping clauses, a label_values' second argument.</summary>
    [GeneratedRegex(@"\{[^}]*\}|\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)|,\s*[a-z_]+\s*\)")]
    private static partial Regex LabelContext();
}

/// <summary>
/// deploy/grafana/socket-agent.json: valid dashboard JSON whose every panel queries the agent's metrics by the names
/// the instruments give (the README's generated table). <see cref="OperationsDaemonTests"/> checks the same names
/// against a real daemon's scrape.
/// </summary>
public sealed class GrafanaDashboardTests
{
    private static readonly string s_path = RepositoryFiles.PathOf(Path.Combine("deploy", "grafana", "socket-agent.json"));

    [Fact]
    public void Every_panel_has_a_prometheus_query_on_the_datasource_variable()
    {
        using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(s_path));
        JsonElement[] panels = [.. dashboard.RootElement.GetProperty("panels").EnumerateArray()];

        Assert.True(panels.Length >= 10);
        Assert.Equal(panels.Length, panels.Select(static p => p.GetProperty("id").GetInt32()).Distinct().Count());
        Assert.All(panels, static panel =>
        {
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.NotEmpty(panel.GetProperty("targets").EnumerateArray());
        });
    }

    [Fact]
    public void Every_metric_it_queries_is_one_the_agent_exports()
    {
        IReadOnlySet<string> used = GrafanaDashboard.MetricNames(s_path);
        var exported = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in MetricsTableTests.DocumentedPrometheusNames())
        {
            exported.Add(name);
            exported.Add(name + "_bucket");
            exported.Add(name + "_sum");
            exported.Add(name + "_count");
        }
        // The runtime's System.Runtime meter, exported beside the agent's own (see the README).
        exported.UnionWith(["dotnet_process_cpu_time_seconds_total", "dotnet_process_memory_working_set_bytes"]);

        Assert.NotEmpty(used);
        Assert.All(used, name => Assert.True(exported.Contains(name), $"the dashboard queries {name}, which no instrument exports"));
        // And it shows the figures an operator needs first.
        Assert.Superset(new HashSet<string>(["socket_agent_ready", "socket_agent_cycle_duration_seconds_bucket", "socket_agent_events_total",
            "socket_agent_spool_dropped_total", "socket_agent_delivery_latency_seconds_bucket"]), new HashSet<string>(used));
    }
}
