using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using SocketAgent.Cli.Configuration;
using SocketAgent.Cli.Hosting.Operations;
using SocketAgent.Cli.Hosting.Telemetry;
using SocketAgent.Correlation;

namespace SocketAgent.Cli.Commands;

/// <summary>
/// <c>socket-agent correlate</c>: joins the two ends of each connection from many agents' event streams (files or
/// Kafka) into one line per connection: which process on which host talks to which process on which other host.
/// </summary>
internal static class CorrelateCommand
{
    public static Command Build(StandardStreams streams)
    {
        var command = new Command("correlate",
            """
            Join the two ends of each TCP/UDP connection seen by different agents (by network.community_id, checked
            against the mirrored addresses and overlapping lifetimes) and print one JSON line per connection: client
            and server host, process and command line, opened, closed, duration, bytes each way. A connection whose
            far end no agent watches is printed one-sided (correlation.sides 1) once --wait passed after it closed.
            Reads event files (merged by time; - is stdin; at their end everything still pending is printed) or a
            Kafka consumer group (until SIGTERM/SIGINT; offsets are committed only past what was printed).

            Examples:
              socket-agent correlate web-01.jsonl db-01.jsonl          join two agents' files
              socket-agent correlate --table a.jsonl b.jsonl           the same, as a table
              cat *.jsonl | socket-agent correlate -                   from stdin
              socket-agent correlate --kafka-bootstrap-servers kafka:9092 --kafka-topic socket-agent.flows
              socket-agent correlate --kafka-bootstrap-servers kafka:9092 --http-listen 9465   with /metrics
              socket-agent correlate --kafka-bootstrap-servers kafka:9092 --output kafka       exactly once to socket-agent.connections
            """);
        var files = new Argument<string[]>("files") { Description = "Event files (JSON lines from the daemon); - reads stdin.", Arity = ArgumentArity.ZeroOrMore };
        var table = new Option<bool>("--table") { Description = "Print a table for people instead of JSON lines. Example: socket-agent correlate --table a.jsonl b.jsonl" };
        var wait = new Option<string?>("--wait")
        {
            Description = "How long after an end closed to wait for the other end (event time; with Kafka also wall time since arrival). Default 30s. Example: --wait 10s",
        };
        var idle = new Option<string?>("--idle-timeout")
        {
            Description = "Forget an open connection with no event for this long (event time); its closed events still join. Default 1h. Example: --idle-timeout 15m",
        };
        var skew = new Option<string?>("--skew")
        {
            Description = "Clock skew and observation lag tolerated when checking that two ends' lifetimes overlap. Default 5s. Example: --skew 2s",
        };
        var maxConnections = new Option<int?>("--max-connections")
        {
            Description = "Pending connections held at most; past it the least recently active are evicted (counted, logged). Default 200000. Example: --max-connections 1000000",
        };
        var bootstrap = new Option<string?>("--kafka-bootstrap-servers") { Description = "Read from Kafka instead of files. Example: --kafka-bootstrap-servers kafka-1:9092,kafka-2:9092" };
        var topics = new Option<string[]>("--kafka-topic") { Description = "Topic to read (repeatable). Default socket-agent.events. Example: --kafka-topic socket-agent.flows" };
        var group = new Option<string?>("--kafka-group") { Description = "Consumer group (instances in one group share the partitions). Default socket-agent-correlate. Example: --kafka-group correlate-eu" };
        var sessionTimeout = new Option<string?>("--kafka-session-timeout")
        {
            Description = "How long the group waits for a member that went silent (killed, hung) before giving its partitions to the others. Default 10s. Example: --kafka-session-timeout 30s",
        };
        Option<string[]> properties = FileOrKafkaInput.KafkaPropertyOption();
        var output = new Option<string?>("--output")
        {
            Description = "stdout (JSON lines; at least once with Kafka input) or kafka: each connection a record on --output-topic keyed by its event.id, "
                + "written with the consumed offsets in one Kafka transaction (exactly once for read_committed consumers; needs Kafka input). Default stdout. Example: --output kafka",
            HelpName = "stdout|kafka",
        };
        var outputTopic = new Option<string?>("--output-topic") { Description = $"The topic --output kafka writes to. Default {KafkaOutputOptions.DefaultTopic}. Example: --output-topic fleet.connections" };
        var stateTopic = new Option<string?>("--kafka-state-topic")
        {
            Description = "Where --output kafka commits each input partition's state (to the same partition number: it needs at least the input topic's partitions). Default GROUP.state. Example: --kafka-state-topic correlate-eu.state",
        };
        var transactionalId = new Option<string?>("--kafka-transactional-id")
        {
            Description = "This member's transactional id for --output kafka: unique per running member; a stable one (a StatefulSet pod name) lets a restarted member abort its predecessor's open transaction at once. Default GROUP-HOST-PID. Example: --kafka-transactional-id correlate-0",
        };
        var httpListen = new Option<string?>("--http-listen")
        {
            Description = "Serve its own metrics on /metrics (Prometheus) and /healthz over HTTP on [ADDR:]PORT (a bare port binds 127.0.0.1; default off). Example: --http-listen 9465",
            HelpName = "[ADDR:]PORT",
        };
        var otlpEndpoint = new Option<string?>("--otlp-endpoint")
        {
            Description = "Push its own metrics over OTLP to this receiver (default off; the standard OTEL_EXPORTER_OTLP_* variables are honoured too). Example: --otlp-endpoint http://otel-collector:4318",
            HelpName = "URL",
        };
        command.Add(files);
        command.Add(table);
        command.Add(wait);
        command.Add(idle);
        command.Add(skew);
        command.Add(maxConnections);
        command.Add(bootstrap);
        command.Add(topics);
        command.Add(group);
        command.Add(sessionTimeout);
        command.Add(properties);
        command.Add(output);
        command.Add(outputTopic);
        command.Add(stateTopic);
        command.Add(transactionalId);
        command.Add(httpListen);
        command.Add(otlpEndpoint);

        command.SetAction(result =>
        {
            string? bootstrapServers = result.GetValue(bootstrap);
            string[] paths = result.GetValue(files) ?? [];
            if (FileOrKafkaInput.Problem("correlate", paths, bootstrapServers, "event files") is string problem)
            {
                return Usage(streams, problem);
            }
            if (!TryDuration(result.GetValue(wait), TimeSpan.FromSeconds(30), "--wait", streams, out TimeSpan waitValue)
                || !TryDuration(result.GetValue(idle), TimeSpan.FromHours(1), "--idle-timeout", streams, out TimeSpan idleValue)
                || !TryDuration(result.GetValue(skew), TimeSpan.FromSeconds(5), "--skew", streams, out TimeSpan skewValue)
                || !TryDuration(result.GetValue(sessionTimeout), KafkaCorrelationOptions.DefaultSessionTimeout, "--kafka-session-timeout", streams, out TimeSpan sessionValue))
            {
                return ExitCodes.Usage;
            }
            // librdkafka's range for session.timeout.ms (a broker may narrow it: Kafka's default minimum is 6 s).
            if (sessionValue < TimeSpan.FromSeconds(1) || sessionValue > TimeSpan.FromHours(1))
            {
                return Usage(streams, "correlate: --kafka-session-timeout must be between 1s and 1h");
            }
            int max = result.GetValue(maxConnections) ?? 200_000;
            if (max < 1)
            {
                return Usage(streams, "correlate: --max-connections must be at least 1");
            }
            if (!FileOrKafkaInput.TryParseProperties(result.GetValue(properties) ?? [], out Dictionary<string, string> propertyMap, out string? invalid))
            {
                return Usage(streams, $"correlate: --kafka-property '{invalid}' is not key=value");
            }

            string outputKind = result.GetValue(output) ?? "stdout";
            if (outputKind is not ("stdout" or "kafka"))
            {
                return Usage(streams, $"correlate: --output '{outputKind}' is not stdout or kafka");
            }
            if (outputKind == "kafka" && (bootstrapServers is null || result.GetValue(table)))
            {
                return Usage(streams, bootstrapServers is null
                    ? "correlate: --output kafka needs Kafka input (--kafka-bootstrap-servers): exactly once is the input's offsets and the lines committed together"
                    : "correlate: --output kafka and --table do not go together");
            }
            if (outputKind == "stdout" && (result.GetValue(outputTopic) ?? result.GetValue(stateTopic) ?? result.GetValue(transactionalId)) is not null)
            {
                return Usage(streams, "correlate: --output-topic, --kafka-state-topic and --kafka-transactional-id need --output kafka");
            }

            IPEndPoint? listen = null;
            if (result.GetValue(httpListen) is string listenText && !HttpListenAddress.TryParse(listenText, out listen))
            {
                return Usage(streams, $"correlate: --http-listen '{listenText}' is not {HttpListenAddress.Expected}");
            }
            Uri? otlp = null;
            if (result.GetValue(otlpEndpoint) is string otlpText && !TelemetryExport.TryParseEndpoint(otlpText, out otlp))
            {
                return Usage(streams, $"correlate: --otlp-endpoint '{otlpText}' is not an http:// or https:// URL");
            }

            var options = new CorrelationOptions
            {
                Wait = waitValue,
                IdleTimeout = idleValue,
                Skew = skewValue,
                MaxConnections = max,
                WaitInWallTime = bootstrapServers is not null,
            };
            var run = new CorrelateRun(streams, options, result.GetValue(table), listen, otlp);
            if (bootstrapServers is null)
            {
                return run.Files(paths);
            }
            string[] topicNames = result.GetValue(topics) is { Length: > 0 } given ? given : ["socket-agent.events"];
            string groupId = result.GetValue(group) ?? "socket-agent-correlate";
            KafkaOutputOptions? kafkaOutput = outputKind != "kafka" ? null : new KafkaOutputOptions
            {
                Topic = result.GetValue(outputTopic) ?? KafkaOutputOptions.DefaultTopic,
                StateTopic = result.GetValue(stateTopic) ?? groupId + ".state",
                TransactionalId = result.GetValue(transactionalId) ?? KafkaOutputOptions.DefaultTransactionalId(groupId),
                WrittenRetention = options.EmittedRetention,
            };
            return run.Kafka(new KafkaCorrelationOptions
            {
                BootstrapServers = bootstrapServers,
                Topics = topicNames,
                GroupId = groupId,
                SessionTimeout = sessionValue,
                Properties = propertyMap,
            }, kafkaOutput);
        });
        return command;
    }

    private static int Usage(StandardStreams streams, string message)
    {
        streams.Error.WriteLine($"socket-agent: {message} (see socket-agent correlate --help)");
        return ExitCodes.Usage;
    }

    private static bool TryDuration(string? text, TimeSpan fallback, string name, StandardStreams streams, out TimeSpan value)
    {
        value = fallback;
        if (text is null)
        {
            return true;
        }
        if (DurationText.TryParse(text, out value))
        {
            return true;
        }
        Usage(streams, $"correlate: {name} '{text}' is not {DurationText.Expected}");
        return false;
    }

    /// <summary>One invocation: the sink, the engine, the input, its telemetry, and the summary on stderr.</summary>
    private sealed class CorrelateRun(StandardStreams streams, CorrelationOptions options, bool table, IPEndPoint? listen, Uri? otlp)
    {
        private readonly StreamWriter? _tableText = table ? new StreamWriter(streams.Output, StandardStreams.Utf8NoBom, 1 << 16, leaveOpen: true) : null;

        private IConnectionSink CreateSink() =>
            _tableText is not null ? new ConnectionTableWriter(_tableText) : new ConnectionJsonWriter(streams.Output);

        private void Warn(string message) => streams.Error.WriteLine($"socket-agent: warning: {message}");

        public int Files(string[] paths)
        {
            var readers = new List<EventLineReader>(paths.Length);
            try
            {
                foreach (string path in paths)
                {
                    Stream stream = path == "-"
                        ? Console.OpenStandardInput()
                        : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
                    readers.Add(new EventLineReader(stream, path == "-" ? "stdin" : path));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                readers.ForEach(static r => r.Dispose());
                streams.Error.WriteLine($"socket-agent: correlate: {ex.Message}");
                return ExitCodes.Failure;
            }

            IConnectionSink sink = CreateSink();
            var engine = new CorrelationEngine(options, sink, Warn);
            return Guard(() => FileCorrelation.Run(readers, engine, Warn), engine);
        }

        public int Kafka(KafkaCorrelationOptions kafka, KafkaOutputOptions? output)
        {
            using var stopping = new CancellationTokenSource();
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true; // finish: write what is due, flush, commit, leave the group
                stopping.Cancel();
            }
            using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

            var offsets = new OffsetTracker();
            if (output is null)
            {
                IConnectionSink sink = CreateSink();
                var engine = new CorrelationEngine(options, sink, Warn, offsets);
                var committer = new OffsetCommitter(sink, offsets, Warn, (long)kafka.SessionTimeout.TotalMilliseconds);
                return Guard(() => KafkaCorrelation.Run(kafka, engine, offsets, committer, Warn, TimeProvider.System, stopping.Token), engine);
            }

            TransactionalCheckpoint transactions;
            try
            {
                transactions = new TransactionalCheckpoint(kafka, output, offsets, Warn);
            }
            catch (CorrelationInputException ex)
            {
                streams.Error.WriteLine($"socket-agent: correlate: {ex.Message}");
                return ExitCodes.Failure;
            }
            using (transactions)
            {
                var engine = new CorrelationEngine(options, transactions.Writer, Warn, offsets);
                int exit = Guard(() => KafkaCorrelation.Run(kafka, engine, offsets, transactions, Warn, TimeProvider.System, stopping.Token), engine);
                streams.Error.WriteLine($"socket-agent: correlate: {transactions.Committed} transactions committed, {transactions.Aborted} aborted");
                return exit;
            }
        }

        private int Guard(Action run, CorrelationEngine engine)
        {
            CorrelateTelemetry? telemetry;
            try
            {
                telemetry = CorrelateTelemetry.Start(listen, otlp, () => Figures(engine));
            }
            catch (OperationsEndpointException ex)
            {
                streams.Error.WriteLine($"socket-agent: correlate: {ex.Message}");
                return ExitCodes.Failure;
            }
            // Disposed last: the final OTLP export carries the counts of the summary line.
            using (telemetry)
            {
                return Correlate(run, engine);
            }
        }

        /// <summary>The engine's counters as the instruments read them, from the exporter's thread (single longs each).</summary>
        private static CorrelationFigures Figures(CorrelationEngine engine)
        {
            CorrelationCounters c = engine.Counters;
            return new CorrelationFigures(c.Lines, c.Invalid, c.Ignored, c.ConnectionEvents, c.DuplicateEvents, c.LateEvents,
                c.TwoSided, c.OneSided, c.Expired, c.Evicted, engine.Pending);
        }

        private int Correlate(Action run, CorrelationEngine engine)
        {
            try
            {
                run();
                _tableText?.Flush();
            }
            catch (CorrelationInputException ex)
            {
                streams.Error.WriteLine($"socket-agent: correlate: {ex.Message}");
                return ExitCodes.Failure;
            }
            catch (IOException ex) when (StandardStreams.IsBrokenPipe(ex))
            {
                return ExitCodes.Success; // the reader went away (| head)
            }
            streams.Error.WriteLine($"socket-agent: correlate: {engine.Counters}");
            return ExitCodes.Success;
        }
    }
}
