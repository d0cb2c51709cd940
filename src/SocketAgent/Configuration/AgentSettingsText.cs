using Microsoft.Extensions.Configuration;

namespace SocketAgent.Cli.Configuration;

/// <summary>
/// The settings as written, in the config file's shape and spelling: what <see cref="ConfigurationBinder"/> (source
/// generated) fills from the effective configuration. Text, not typed values: the binder's own conversions would
/// refuse "500ms" and could not say what a setting accepts, so <see cref="AgentSettings"/> turns each text into its
/// <see cref="AgentOptions"/> value. A null property is a setting no source gave; a list's "explicitly empty" is
/// told by the loader (the binder leaves an empty list null).
/// </summary>
internal sealed class AgentSettingsText
{
    public string? Interval { get; set; }

    [ConfigurationKeyName("stats_interval")]
    public string? StatsInterval { get; set; }

    public string? Heartbeat { get; set; }

    [ConfigurationKeyName("state_dir")]
    public string? StateDir { get; set; }

    [ConfigurationKeyName("host_name")]
    public string? HostName { get; set; }

    public string? Source { get; set; }

    public string? Fields { get; set; }

    public string? Netns { get; set; }

    public CollectText? Collect { get; set; }

    public FiltersText? Filters { get; set; }

    public RedactionText? Redaction { get; set; }

    public List<string>? Outputs { get; set; }

    public FileText? File { get; set; }

    public KafkaText? Kafka { get; set; }

    public SpoolText? Spool { get; set; }

    public EbpfText? Ebpf { get; set; }

    public HttpText? Http { get; set; }

    public OtlpText? Otlp { get; set; }
    public LogText? Log { get; set; }

    public ContainersText? Containers { get; set; }

    internal sealed class ContainersText
    {
        [ConfigurationKeyName("docker_socket")]
        public string? DockerSocket { get; set; }

        public KubernetesText? Kubernetes { get; set; }
    }

    internal sealed class KubernetesText
    {
        public string? Source { get; set; }

        [ConfigurationKeyName("node_name")]
        public string? NodeName { get; set; }

        [ConfigurationKeyName("kubelet_url")]
        public string? KubeletUrl { get; set; }

        [ConfigurationKeyName("token_file")]
        public string? TokenFile { get; set; }

        [ConfigurationKeyName("ca_file")]
        public string? CaFile { get; set; }

        [ConfigurationKeyName("kubelet_insecure_tls")]
        public string? KubeletInsecureTls { get; set; }
    }

    internal sealed class CollectText
    {
        public List<string>? Transports { get; set; }

        public string? Interfaces { get; set; }

        public string? Routes { get; set; }

        public string? Statistics { get; set; }
    }

    internal sealed class FiltersText
    {
        public FilterRuleText? Include { get; set; }

        public FilterRuleText? Exclude { get; set; }

        [ConfigurationKeyName("drop_loopback")]
        public string? DropLoopback { get; set; }
    }

    internal sealed class FilterRuleText
    {
        public List<string>? Transports { get; set; }

        public List<string>? States { get; set; }

        [ConfigurationKeyName("local_ports")]
        public List<string>? LocalPorts { get; set; }

        [ConfigurationKeyName("remote_ports")]
        public List<string>? RemotePorts { get; set; }

        public List<string>? Processes { get; set; }

        public List<string>? Pids { get; set; }

        [ConfigurationKeyName("command_lines")]
        public List<string>? CommandLines { get; set; }
    }

    internal sealed class RedactionText
    {
        public string? Enabled { get; set; }

        public List<string>? Patterns { get; set; }

        public List<string>? Flags { get; set; }
    }

    internal sealed class FileText
    {
        public string? Path { get; set; }

        [ConfigurationKeyName("max_bytes")]
        public string? MaxBytes { get; set; }

        [ConfigurationKeyName("max_age")]
        public string? MaxAge { get; set; }

        public string? Keep { get; set; }

        public string? Compress { get; set; }
    }

    internal sealed class KafkaText
    {
        [ConfigurationKeyName("bootstrap_servers")]
        public string? BootstrapServers { get; set; }

        public string? Topic { get; set; }

        [ConfigurationKeyName("flow_topic")]
        public string? FlowTopic { get; set; }

        public List<string>? Topics { get; set; }

        public string? Compression { get; set; }

        public List<string>? Properties { get; set; }
    }

    internal sealed class SpoolText
    {
        [ConfigurationKeyName("max_bytes")]
        public string? MaxBytes { get; set; }
    }

    internal sealed class EbpfText
    {
        [ConfigurationKeyName("ring_buffer_bytes")]
        public string? RingBufferBytes { get; set; }

        [ConfigurationKeyName("udp_flows")]
        public string? UdpFlows { get; set; }

        [ConfigurationKeyName("udp_idle_timeout")]
        public string? UdpIdleTimeout { get; set; }
    }

    internal sealed class HttpText
    {
        public string? Listen { get; set; }
    }

    internal sealed class OtlpText
    {
        public string? Endpoint { get; set; }
    }

    internal sealed class LogText
    {
        public string? Format { get; set; }
    }
}
