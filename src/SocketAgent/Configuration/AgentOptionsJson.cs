using System.Text.Json;
using System.Text.RegularExpressions;
using SocketAgent.Collection;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Cli.Configuration;

/// <summary>
/// <c>--print-config</c>: the effective settings as JSON, in the config file's own keys and spellings — so the
/// output can be saved as a config file (.json) and read back to the same settings.
/// </summary>
internal static class AgentOptionsJson
{
    public static void Write(AgentOptions options, Stream output, bool indented = true)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = indented });
        json.WriteStartObject();
        json.WriteString("interval", DurationText.Format(options.Interval));
        json.WriteString("stats_interval", DurationText.Format(options.StatsInterval));
        json.WriteString("heartbeat", DurationText.Format(options.Heartbeat));
        json.WriteString("state_dir", options.StateDirectory);
        json.WriteString("host_name", options.HostName ?? string.Empty);
        json.WriteString("source", options.Source switch
        {
            SocketSourceKind.Netlink => "netlink",
            SocketSourceKind.Procfs => "procfs",
            SocketSourceKind.Ebpf => "ebpf",
            _ => "auto",
        });
        json.WriteString("fields", FieldProfiles.Name(options.Fields));
        json.WriteString("netns", options.Netns.Kind switch
        {
            NetworkNamespaceSelectionKind.All => "all",
            NetworkNamespaceSelectionKind.Path => options.Netns.Path,
            _ => "host",
        });

        json.WriteStartObject("collect");
        WriteList(json, "transports", AgentSettings.TransportNames(options.Collect.Transports));
        json.WriteBoolean("interfaces", options.Collect.Interfaces);
        json.WriteBoolean("routes", options.Collect.Routes);
        json.WriteBoolean("statistics", options.Collect.Statistics);
        json.WriteEndObject();

        json.WriteStartObject("filters");
        WriteRule(json, "include", options.Filters.Include);
        WriteRule(json, "exclude", options.Filters.Exclude);
        json.WriteBoolean("drop_loopback", options.Filters.DropLoopback);
        json.WriteEndObject();

        json.WriteStartObject("redaction");
        json.WriteBoolean("enabled", options.Redaction.Enabled);
        WriteList(json, "patterns", Patterns(options.Redaction.Patterns));
        WriteList(json, "flags", options.Redaction.Flags);
        json.WriteEndObject();

        WriteList(json, "outputs", options.Outputs.Kinds);
        json.WriteStartObject("file");
        json.WriteString("path", options.Outputs.FilePath);
        json.WriteNumber("max_bytes", options.Outputs.FileMaxBytes);
        json.WriteString("max_age", DurationText.Format(options.Outputs.FileMaxAge));
        json.WriteNumber("keep", options.Outputs.FileKeep);
        json.WriteBoolean("compress", options.Outputs.FileCompress);
        json.WriteEndObject();
        json.WriteStartObject("kafka");
        json.WriteString("bootstrap_servers", options.Outputs.KafkaBootstrapServers);
        json.WriteString("topic", options.Outputs.KafkaTopic);
        WriteList(json, "topics", options.Outputs.KafkaTopics.Select(static p => $"{p.Key}={p.Value}"));
        json.WriteString("flow_topic", options.Outputs.KafkaFlowTopic);
        json.WriteString("compression", options.Outputs.KafkaCompression);
        WriteList(json, "properties", options.Outputs.KafkaProperties.Select(static p => $"{p.Key}={(IsSecret(p.Key) ? Redacted : p.Value)}"));
        json.WriteEndObject();
        json.WriteStartObject("spool");
        json.WriteNumber("max_bytes", options.Outputs.SpoolMaxBytes);
        json.WriteEndObject();
        json.WriteStartObject("ebpf");
        json.WriteNumber("ring_buffer_bytes", options.EbpfRingBufferBytes);
        json.WriteNumber("udp_flows", options.EbpfUdpFlows);
        json.WriteString("udp_idle_timeout", DurationText.Format(options.EbpfUdpIdleTimeout));
        json.WriteEndObject();
        json.WriteStartObject("http");
        json.WriteString("listen", Hosting.Operations.HttpListenAddress.Format(options.HttpListen));
        json.WriteEndObject();
        json.WriteStartObject("otlp");
        json.WriteString("endpoint", options.OtlpEndpoint?.OriginalString ?? "");
        json.WriteEndObject();
        json.WriteStartObject("log");
        json.WriteString("format", Logging.LogFormats.Name(options.LogFormat));
        json.WriteEndObject();
        json.WriteStartObject("containers");
        json.WriteString("docker_socket", options.DockerSocket);
        json.WriteStartObject("kubernetes");
        json.WriteString("source", KubernetesPodOptions.Name(options.Kubernetes.Source));
        json.WriteString("node_name", options.Kubernetes.NodeName);
        json.WriteString("kubelet_url", options.Kubernetes.KubeletUrl?.OriginalString ?? "");
        json.WriteString("token_file", options.Kubernetes.TokenFile);
        json.WriteString("ca_file", options.Kubernetes.CaFile);
        json.WriteBoolean("kubelet_insecure_tls", options.Kubernetes.KubeletInsecureTls);
        json.WriteEndObject();
        json.WriteEndObject();

        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }

    private static void WriteRule(Utf8JsonWriter json, string name, FilterRule rule)
    {
        json.WriteStartObject(name);
        WriteList(json, "transports", AgentSettings.TransportNames(rule.Transports));
        WriteList(json, "states", rule.States);
        WriteList(json, "local_ports", rule.LocalPorts.Select(static p => p.ToString()));
        WriteList(json, "remote_ports", rule.RemotePorts.Select(static p => p.ToString()));
        WriteList(json, "processes", rule.Processes);
        json.WriteStartArray("pids");
        foreach (int pid in rule.Pids)
        {
            json.WriteNumberValue(pid);
        }
        json.WriteEndArray();
        WriteList(json, "command_lines", Patterns(rule.CommandLines));
        json.WriteEndObject();
    }

    private static IEnumerable<string> Patterns(IReadOnlyList<Regex> regexes) => regexes.Select(static r => r.ToString());

    private static void WriteList(Utf8JsonWriter json, string name, IEnumerable<string> items)
    {
        json.WriteStartArray(name);
        foreach (string item in items)
        {
            json.WriteStringValue(item);
        }
        json.WriteEndArray();
    }

    private const string Redacted = "<redacted>";

    /// <summary>
    /// librdkafka properties whose value is a credential (sasl.password, ssl.key.password, sasl.oauthbearer.client.secret,
    /// sasl.jaas.config, ssl.key.pem…): --print-config output ends up in tickets and chat, so it names them only.
    /// </summary>
    internal static bool IsSecret(string key) =>
        key.Contains("password", StringComparison.OrdinalIgnoreCase)
        || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || key.Contains("jaas", StringComparison.OrdinalIgnoreCase)
        || key.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) && key.Contains("key", StringComparison.OrdinalIgnoreCase)
        || key.Contains("token", StringComparison.OrdinalIgnoreCase);
}
