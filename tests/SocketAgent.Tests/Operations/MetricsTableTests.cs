using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using SocketAgent.Cli.Hosting.Operations;
using SocketAgent.Cli.Hosting.Telemetry;
using SocketAgent.Delivery;
using SocketAgent.Tests.Deployment;

namespace SocketAgent.Tests.Operations;

/// <summary>
/// The README's metrics table is rendered from the instruments the agent creates (a <see cref="MeterListener"/> sees
/// every one as it is published), so the documentation cannot drift from the code: a new instrument, a renamed one or
/// a changed description fails here until the README is regenerated (<c>SOCKET_AGENT_UPDATE_GOLDEN=1</c>). The
/// Prometheus names follow the OpenTelemetry Prometheus exporter's translation; <see cref="OperationsDaemonTests"/>
/// checks each of them against a real scrape.
/// </summary>
[Collection(nameof(AgentMetersCollection))]
public sealed class MetricsTableTests
{
    private const string Begin = "<!-- metrics-table:begin -->";
    private const string End = "<!-- metrics-table:end -->";

    /// <summary>Every instrument of the agent's own meters, as (meter, instrument), in a stable order.</summary>
    internal static IReadOnlyList<Instrument> AgentInstruments()
    {
        var meters = new HashSet<string>(AgentMetrics.MeterNames, StringComparer.Ordinal) { OtlpExportObserver.MeterName, CorrelationInstruments.MeterName };
        var found = new Dictionary<(string, string), Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (meters.Contains(instrument.Meter.Name))
                {
                    lock (found)
                    {
                        found.TryAdd((instrument.Meter.Name, instrument.Name), instrument);
                    }
                }
            },
        };
        listener.Start();
        // Creating them publishes them to the listener (and the static delivery histogram was published at start).
        using var metrics = new AgentMetrics(enabled: true);
        using var observer = new OtlpExportObserver(NullLogger.Instance);
        using var correlation = new CorrelationInstruments(static () => default);
        GC.KeepAlive(DeliveryTelemetry.Latency);
        lock (found)
        {
            return [.. found.Values.OrderBy(static i => i.Meter.Name, StringComparer.Ordinal).ThenBy(static i => i.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>The family name the OpenTelemetry Prometheus exporter gives an instrument (dots to underscores, unit and <c>_total</c> suffixes).</summary>
    internal static string PrometheusName(Instrument instrument)
    {
        string name = instrument.Name.Replace('.', '_');
        name += instrument.Unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => "",
        };
        return PrometheusType(instrument) == "counter" ? name + "_total" : name;
    }

    internal static string PrometheusType(Instrument instrument)
    {
        Type type = instrument.GetType().GetGenericTypeDefinition();
        if (type == typeof(Histogram<>))
        {
            return "histogram";
        }
        return type == typeof(Counter<>) || type == typeof(ObservableCounter<>) ? "counter" : "gauge";
    }

    /// <summary>The Prometheus family names of the table.</summary>
    internal static IReadOnlyList<string> DocumentedPrometheusNames() => [.. AgentInstruments().Select(PrometheusName)];

    internal static string Render(IEnumerable<Instrument> instruments)
    {
        var table = new StringBuilder();
        table.Append("| Prometheus | OpenTelemetry (meter) | type | unit | meaning |\n|---|---|---|---|---|\n");
        foreach (Instrument instrument in instruments)
        {
            table.Append($"| `{PrometheusName(instrument)}` | `{instrument.Name}` ({instrument.Meter.Name}) | {PrometheusType(instrument)} | "
                + $"{(string.IsNullOrEmpty(instrument.Unit) ? "" : $"`{instrument.Unit}`")} | {instrument.Description?.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }
        return table.ToString();
    }

    [Fact]
    public void The_readme_table_is_the_one_the_instruments_give()
    {
        IReadOnlyList<Instrument> instruments = AgentInstruments();
        Assert.True(instruments.Count >= 30, $"only {instruments.Count} instruments were published");
        string expected = Render(instruments);

        string path = Path.Combine(RepositoryFiles.Root, "README.md");
        string readme = File.ReadAllText(path);
        int begin = readme.IndexOf(Begin, StringComparison.Ordinal), end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "README.md has no metrics-table markers");
        string current = readme[(begin + Begin.Length)..end].Trim('\n');
        if (Environment.GetEnvironmentVariable("SOCKET_AGENT_UPDATE_GOLDEN") == "1" && current != expected.TrimEnd('\n'))
        {
            File.WriteAllText(path, readme[..(begin + Begin.Length)] + "\n" + expected + readme[end..]);
            return;
        }
        Assert.Equal(expected.TrimEnd('\n'), current);
    }

    [Fact]
    public void Every_instrument_has_a_description_and_a_unique_prometheus_name()
    {
        IReadOnlyList<Instrument> instruments = AgentInstruments();

        Assert.All(instruments, static i => Assert.False(string.IsNullOrWhiteSpace(i.Description), $"{i.Name} has no description"));
        Assert.Equal(instruments.Count, instruments.Select(PrometheusName).Distinct(StringComparer.Ordinal).Count());
        // OpenTelemetry naming: lower case, dot-separated, the agent's own under socket_agent.
        Assert.All(instruments, static i => Assert.Matches("^(socket_agent|process)(\\.[a-z_]+)+$", i.Name));
    }
}

/// <summary>
/// Tests that create the agent's instruments (same meter names) and read them through a listener or an exporter run
/// one at a time: a listener sees every meter of a name, so two tests' instruments would mix.
/// </summary>
[CollectionDefinition(nameof(AgentMetersCollection), DisableParallelization = true)]
public sealed class AgentMetersCollection;
