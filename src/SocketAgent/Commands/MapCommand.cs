using System.CommandLine;
using SocketAgent.Correlation;
using SocketAgent.Correlation.Map;

namespace SocketAgent.Cli.Commands;

/// <summary>
/// <c>socket-agent map</c>: correlate's connection lines (files, stdin or the connections topic) aggregated into a
/// service map — who depends on whom across the fleet — as Graphviz DOT, Mermaid, SVG (through Graphviz's dot) or
/// JSON.
/// </summary>
internal static class MapCommand
{
    public static Command Build(StandardStreams streams)
    {
        var command = new Command("map",
            """
            Aggregate correlate's connection lines into a service map: an edge per client service -> server service
            with its connection count, bytes each way, server ports, first and last seen. A service is its host plus
            its pod, container or systemd unit when the line names one, else its process name (a server named by its
            process is keyed by its port too); --group-by service makes one node of a service on every host. Reads
            files (- is stdin) or the Kafka topic correlate writes, from its beginning to its end. Writes Graphviz
            DOT (default), a Mermaid flowchart, an SVG picture (rendered by Graphviz's dot, which must be installed:
            apt-get install graphviz; without it, exit 1 - use --format dot) or JSON, to stdout or -o FILE. Lines
            that are not connection lines are counted and reported once on stderr.

            Examples:
              socket-agent correlate a.jsonl b.jsonl | socket-agent map - > map.dot
              socket-agent map --format svg -o map.svg connections.jsonl
              socket-agent map --format mermaid connections.jsonl          paste into a Markdown page
              socket-agent map --group-by service --format svg -o fleet.svg conns.jsonl   one node per service fleet-wide
              socket-agent map --format json connections.jsonl | jq '.edges[] | select(.connections > 100)'
              socket-agent map --kafka-bootstrap-servers kafka:9092 --format svg -o fleet.svg
            """);
        var files = new Argument<string[]>("files") { Description = "Connection files (JSON lines from socket-agent correlate); - reads stdin.", Arity = ArgumentArity.ZeroOrMore };
        var format = new Option<string?>("--format")
        {
            Description = "dot (Graphviz DOT, default), mermaid (flowchart), svg (a picture; needs Graphviz's dot on PATH) or json. Example: --format svg",
            HelpName = "dot|mermaid|svg|json",
        };
        var groupBy = new Option<string?>("--group-by")
        {
            Description = "host (default): a service per host, boxed by host; service: one node per service name across all hosts (it says on how many), for a fleet-wide picture. Example: --group-by service",
            HelpName = "host|service",
        };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout. Example: -o map.svg", HelpName = "FILE" };
        var bootstrap = new Option<string?>("--kafka-bootstrap-servers") { Description = "Read the connections topic from Kafka instead of files. Example: --kafka-bootstrap-servers kafka-1:9092" };
        var topics = new Option<string[]>("--kafka-topic") { Description = $"Topic to read (repeatable). Default {MapKafkaOptions.DefaultTopic}. Example: --kafka-topic socket-agent.connections" };
        Option<string[]> properties = FileOrKafkaInput.KafkaPropertyOption();
        command.Add(files);
        command.Add(format);
        command.Add(groupBy);
        command.Add(output);
        command.Add(bootstrap);
        command.Add(topics);
        command.Add(properties);

        command.SetAction(result =>
        {
            string? bootstrapServers = result.GetValue(bootstrap);
            string[] paths = result.GetValue(files) ?? [];
            if (FileOrKafkaInput.Problem("map", paths, bootstrapServers, "connection files") is string problem)
            {
                return Usage(streams, problem);
            }
            if (!TryFormat(result.GetValue(format), out MapFormat mapFormat))
            {
                return Usage(streams, $"map: --format '{result.GetValue(format)}' is not dot, mermaid, svg or json");
            }
            bool acrossHosts;
            switch (result.GetValue(groupBy))
            {
                case null or "host":
                    acrossHosts = false;
                    break;
                case "service":
                    acrossHosts = true;
                    break;
                default:
                    return Usage(streams, $"map: --group-by '{result.GetValue(groupBy)}' is not host or service");
            }
            if (!FileOrKafkaInput.TryParseProperties(result.GetValue(properties) ?? [], out Dictionary<string, string> propertyMap, out string? invalid))
            {
                return Usage(streams, $"map: --kafka-property '{invalid}' is not key=value");
            }
            var run = new MapRun(streams, mapFormat, result.GetValue(output), new ServiceMap(acrossHosts));
            if (bootstrapServers is null)
            {
                return run.Files(paths);
            }
            return run.Kafka(new MapKafkaOptions
            {
                BootstrapServers = bootstrapServers,
                Topics = result.GetValue(topics) is { Length: > 0 } given ? given : [MapKafkaOptions.DefaultTopic],
                Properties = propertyMap,
            });
        });
        return command;
    }

    private static bool TryFormat(string? text, out MapFormat format)
    {
        format = MapFormat.Dot;
        switch (text)
        {
            case null or "dot":
                return true;
            case "mermaid":
                format = MapFormat.Mermaid;
                return true;
            case "svg":
                format = MapFormat.Svg;
                return true;
            case "json":
                format = MapFormat.Json;
                return true;
            default:
                return false;
        }
    }

    private static int Usage(StandardStreams streams, string message)
    {
        streams.Error.WriteLine($"socket-agent: {message} (see socket-agent map --help)");
        return ExitCodes.Usage;
    }
}
