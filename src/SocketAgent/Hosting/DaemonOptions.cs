using System.CommandLine;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// The daemon's command-line options. Values are taken as text and validated by
/// <see cref="Configuration.AgentConfigurationLoader"/>, so a bad <c>--interval</c> gets the same message as a bad
/// <c>interval:</c> in the file.
/// </summary>
internal sealed class DaemonOptions
{
    public Option<string?> Interval { get; } = new("--interval")
    {
        Description = "Time between two collections (default 1s; 500ms, 5s, 1m…). Example: socket-agent --interval 500ms",
        HelpName = "DURATION",
    };

    public Option<string?> StatsInterval { get; } = new("--stats-interval")
    {
        Description = "Time between two protocol-counter reports (default 60s). Example: socket-agent --stats-interval 5m",
        HelpName = "DURATION",
    };

    public Option<string?> Heartbeat { get; } = new("--heartbeat")
    {
        Description = "Time between two heartbeat lines with the agent's own counters (default 30s). Example: socket-agent --heartbeat 10s",
        HelpName = "DURATION",
    };

    public Option<string?> StateDir { get; } = new("--state-dir")
    {
        Description = "Where agent.id and the last event.sequence are kept across restarts (default /var/lib/socket-agent). Example: socket-agent --state-dir /tmp/agent",
        HelpName = "DIR",
    };

    public Option<string?> Config { get; } = new("--config")
    {
        Description = "A settings file, YAML (.yaml, .yml) or JSON (.json); environment variables and options override it. Example: socket-agent --config /etc/socket-agent/socket-agent.yaml",
        HelpName = "PATH",
    };

    public Option<bool> PrintConfig { get; } = new("--print-config")
    {
        Description = "Print the effective settings (defaults, file, environment, options merged) as JSON and exit. Example: socket-agent --config agent.yaml --print-config",
    };

    public Option<string[]> Output { get; } = new("--output")
    {
        Description = "Where event lines go: stdout, file, kafka; repeat it for several. Example: socket-agent --output file --output kafka",
        HelpName = "stdout|file|kafka",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string?> FilePath { get; } = new("--file-path")
    {
        Description = "The file output's path (rotated by size and age). Example: socket-agent --output file --file-path /var/log/socket-agent/events.jsonl",
        HelpName = "PATH",
    };

    public Option<string?> KafkaBootstrapServers { get; } = new("--kafka-bootstrap-servers")
    {
        Description = "Kafka brokers for the kafka output. Example: socket-agent --output kafka --kafka-bootstrap-servers kafka1:9092,kafka2:9092",
        HelpName = "HOST:PORT[,...]",
    };

    public Option<string?> KafkaTopic { get; } = new("--kafka-topic")
    {
        Description = "The Kafka topic (default socket-agent.events). Example: --kafka-topic net.events",
        HelpName = "TOPIC",
    };

    public void AddTo(Command command)
    {
        command.Add(Output);
        command.Add(FilePath);
        command.Add(KafkaBootstrapServers);
        command.Add(KafkaTopic);
        command.Add(Interval);
        command.Add(StatsInterval);
        command.Add(Heartbeat);
        command.Add(StateDir);
        command.Add(Config);
        command.Add(PrintConfig);
    }
}
