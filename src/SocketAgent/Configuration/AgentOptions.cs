using SocketAgent.Cli.Logging;
using SocketAgent.Collection;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Encoders.Json;
using SocketAgent.State;

namespace SocketAgent.Cli.Configuration;

/// <summary>
/// Every setting of the agent, with its default. Read by <see cref="AgentConfigurationLoader"/> from, in rising
/// precedence, the config file (<c>--config</c>, YAML or JSON), <c>SOCKETAGENT_*</c> environment variables and the
/// command line. The file keys are snake_case (<c>stats_interval</c>, <c>filters.drop_loopback</c>); an environment
/// variable is the key upper-cased with <c>__</c> between levels (<c>SOCKETAGENT_FILTERS__DROP_LOOPBACK</c>).
/// <c>config/socket-agent.example.yaml</c> documents each one; a test keeps it equal to these defaults.
/// </summary>
internal sealed class AgentOptions
{
    /// <summary><c>interval</c> (<c>--interval</c>): time between two collections. Default 1s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>stats_interval</c> (<c>--stats-interval</c>): time between two protocol-counter reports. Default 60s.</summary>
    public TimeSpan StatsInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary><c>heartbeat</c> (<c>--heartbeat</c>): time between two heartbeat lines. Default 30s.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>state_dir</c> (<c>--state-dir</c>): where agent.id and event.sequence are kept. Default /var/lib/socket-agent.</summary>
    public string StateDirectory { get; set; } = AgentStateStore.DefaultDirectory;

    /// <summary><c>host_name</c> (<c>--host-name</c>): host.name to report. Default (null): the kernel hostname.</summary>
    public string? HostName { get; set; }

    /// <summary><c>source</c> (<c>--source</c>): auto, netlink or procfs. Default auto.</summary>
    public SocketSourceKind Source { get; set; } = SocketSourceKind.Auto;

    /// <summary>
    /// <c>containers.docker_socket</c>: Docker Engine's API socket, for container names, images and labels. Default
    /// <c>/var/run/docker.sock</c> (used when it exists); empty: never asked.
    /// </summary>
    public string DockerSocket { get; set; } = "/var/run/docker.sock";

    /// <summary><c>containers.kubernetes.*</c>: the node's pod list, for the names of Kubernetes pods' containers.</summary>
    public KubernetesPodOptions Kubernetes { get; set; } = new();

    /// <summary><c>fields</c> (<c>--fields</c>): how much detail a socket line carries. Default <c>default</c>.</summary>
    public FieldProfile Fields { get; set; } = FieldProfile.Default;

    /// <summary>The eBPF source's kernel ring buffer, in bytes (<c>ebpf.ring_buffer_bytes</c>): a power of two.</summary>
    public int EbpfRingBufferBytes { get; set; } = SocketAgent.Collection.Tracing.KernelTracerOptions.DefaultRingBufferBytes;

    /// <summary>UDP flows the eBPF source follows at once (<c>ebpf.udp_flows</c>): the kernel side's flow map.</summary>
    public int EbpfUdpFlows { get; set; } = SocketAgent.Collection.Tracing.KernelTracerOptions.DefaultUdpFlows;

    /// <summary>A UDP flow without a datagram for this long ends (<c>ebpf.udp_idle_timeout</c>).</summary>
    public TimeSpan EbpfUdpIdleTimeout { get; set; } = SocketAgent.Collection.Tracing.KernelTracerOptions.DefaultUdpIdleTimeout;

    /// <summary><c>netns</c> (<c>--netns</c>): host, all or a namespace file. Default host.</summary>
    public NetworkNamespaceSelection Netns { get; set; } = NetworkNamespaceSelection.Host;

    /// <summary><c>collect.*</c>: what to collect.</summary>
    public CollectOptions Collect { get; set; } = new();

    /// <summary><c>filters.*</c>: which sockets to report.</summary>
    public FilterOptions Filters { get; set; } = new();

    /// <summary><c>redaction.*</c>: secrets in command lines.</summary>
    public RedactionOptions Redaction { get; set; } = new();

    /// <summary><c>outputs</c>, <c>file.*</c>, <c>kafka.*</c>, <c>spool.*</c>: where the lines go.</summary>
    public OutputOptions Outputs { get; set; } = new();

    /// <summary>
    /// <c>http.listen</c> (<c>--http-listen</c>): where the operations endpoint (<c>/metrics</c>, <c>/healthz</c>)
    /// listens. Default (null): off.
    /// </summary>
    public System.Net.IPEndPoint? HttpListen { get; set; }

    /// <summary>
    /// <c>otlp.endpoint</c> (<c>--otlp-endpoint</c>): the OpenTelemetry Collector (or any OTLP receiver) the agent's
    /// own metrics are pushed to. Default (null): off, unless the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or
    /// <c>OTEL_EXPORTER_OTLP_METRICS_ENDPOINT</c> is set (see <see cref="Hosting.Telemetry.TelemetryExport"/>).
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>
    /// <c>log.format</c> (<c>--log-format</c>): the agent's own log lines on stderr, plain text or ECS JSON. Default text.
    /// </summary>
    public LogFormat LogFormat { get; set; } = LogFormat.Text;
}
