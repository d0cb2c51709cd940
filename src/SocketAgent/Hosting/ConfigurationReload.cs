using System.Text.Json;
using SocketAgent.Cli.Configuration;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// What a SIGHUP does to the settings: the sources are read again (the config file as it is now; the environment and
/// the command line still override it) and the settings that can change between two cycles take their new value —
/// <c>interval</c>, <c>stats_interval</c>, <c>heartbeat</c>, <c>filters.*</c>. Every other setting shapes something
/// built once at start (the outputs and their connections, the spool and state files, the collector's sockets and
/// namespaces, the tracer, the redactor its process cache was filled with, the operations listener, the logger's
/// format) and keeps its running value; the changed ones are named. A configuration that is refused changes nothing.
/// </summary>
internal static class ConfigurationReload
{
    /// <summary>The outcome: the settings to run with and what to tell the operator.</summary>
    /// <param name="Options">The running settings with the reloadable ones replaced (the old ones when refused).</param>
    /// <param name="Applied">Settings whose new value is in effect, by name (<c>filters.include.local_ports</c>).</param>
    /// <param name="Kept">Settings that changed in the sources but keep their running value until a restart.</param>
    /// <param name="Refusal">Why the new configuration was refused (one line), or null.</param>
    public sealed record Result(AgentOptions Options, IReadOnlyList<string> Applied, IReadOnlyList<string> Kept, string? Refusal);

    /// <param name="running">The settings in effect.</param>
    /// <param name="load">Reads every source again, as at start; throws <see cref="AgentConfigurationException"/> on a refusal.</param>
    public static Result Apply(AgentOptions running, Func<AgentOptions> load)
    {
        AgentOptions loaded;
        try
        {
            loaded = load();
        }
        catch (AgentConfigurationException ex)
        {
            return new Result(running, [], [], ex.Message);
        }

        // Field by field: a setting added to AgentOptions must be listed here with its running value (ConfigurationReloadTests
        // fails otherwise: the default would pose as an applied change) until someone decides it can change at run time.
        var next = new AgentOptions
        {
            Interval = loaded.Interval,
            StatsInterval = loaded.StatsInterval,
            Heartbeat = loaded.Heartbeat,
            Filters = loaded.Filters,
            StateDirectory = running.StateDirectory,
            HostName = running.HostName,
            Source = running.Source,
            // The encoder is built once with its profile.
            Fields = running.Fields,
            EbpfRingBufferBytes = running.EbpfRingBufferBytes,
            EbpfUdpFlows = running.EbpfUdpFlows,
            EbpfUdpIdleTimeout = running.EbpfUdpIdleTimeout,
            Netns = running.Netns,
            Collect = running.Collect,
            Redaction = running.Redaction,
            Outputs = running.Outputs,
            HttpListen = running.HttpListen,
            OtlpEndpoint = running.OtlpEndpoint,
            // The logger's formatter is chosen when the host is built, and a shipper parsing stderr expects one format.
            LogFormat = running.LogFormat,
            // The container directory is opened with the outputs.
            DockerSocket = running.DockerSocket,
            Kubernetes = running.Kubernetes,
        };

        // Compared through --print-config's rendering: the one place every setting is spelt by its name.
        Dictionary<string, string> before = Flatten(running), after = Flatten(next), wanted = Flatten(loaded);
        List<string> applied = [.. after.Keys.Where(k => before.GetValueOrDefault(k) != after[k])];
        List<string> kept = [.. wanted.Keys.Where(k => after.GetValueOrDefault(k) != wanted[k])];
        return new Result(next, applied, kept, null);
    }

    /// <summary>Every setting by its dotted name, lists whole, as the JSON text <c>--print-config</c> gives it.</summary>
    private static Dictionary<string, string> Flatten(AgentOptions options)
    {
        using var buffer = new MemoryStream();
        AgentOptionsJson.Write(options, buffer, indented: false);
        using JsonDocument document = JsonDocument.Parse(buffer.ToArray());
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        Add(document.RootElement, prefix: null, settings);
        return settings;
    }

    private static void Add(JsonElement element, string? prefix, Dictionary<string, string> settings)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            settings[prefix!] = element.GetRawText();
            return;
        }
        foreach (JsonProperty property in element.EnumerateObject())
        {
            Add(property.Value, prefix is null ? property.Name : $"{prefix}.{property.Name}", settings);
        }
    }
}
