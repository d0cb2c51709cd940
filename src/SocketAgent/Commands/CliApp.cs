using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using SocketAgent.Cli.Configuration;
using SocketAgent.Cli.Hosting;
using SocketAgent.Cli.Hosting.Operations;
using SocketAgent.Cli.Logging;
using SocketAgent.Collection;

namespace SocketAgent.Cli.Commands;

/// <summary>The command tree. Parse errors give one line on stderr and exit code 2, like getopt-based tools.</summary>
internal static class CliApp
{
    private const string Description =
        """
        socket-agent: every TCP, UDP, raw and UNIX socket of this host with its owning processes and their full
        command lines, the routing tables, interfaces and protocol counters — in every network namespace if asked —
        as JSON lines (one object per record, ECS field names) or as netstat's tables.

        Without --once it runs as a daemon until SIGTERM or SIGINT (SIGHUP: reload the config file and reopen the file
        output): the full snapshot first, then a line per change
        (and a heartbeat every --heartbeat), each stamped with agent.id and a persisted event.sequence. Settings come
        from the command line, then SOCKETAGENT_* environment variables (SOCKETAGENT_INTERVAL=5s,
        SOCKETAGENT_FILTERS__DROP_LOOPBACK=true), then the --config file: the first that sets one wins.

        Examples:
          socket-agent --interval 500ms                    the daemon: a snapshot, then the changes, as JSON lines
          socket-agent --config /etc/socket-agent.yaml --print-config
                                                           the effective settings, as JSON
          socket-agent --once | jq .                       every socket, as JSON lines
          socket-agent --once -tl | jq -r '.process.command_line'
                                                           what every TCP listener runs, in full
          socket-agent --once -x --source procfs           UNIX sockets read from /proc/net
          socket-agent --once -r | jq .                    the routing tables (every table, IPv4 and IPv6)
          socket-agent --once --netns all -t               TCP sockets of every network namespace (containers too)
          socket-agent netstat -tuanp                      what `netstat -tuanp` prints
          socket-agent netstat -tlp --cmdline              listeners with full command lines
          socket-agent netstat -i | -rn | -s               what netstat -i, -rn, -s print
          socket-agent correlate web-01.jsonl db-01.jsonl  which process talked to which, across two agents' events
          socket-agent map --format svg -o map.svg conns.jsonl
                                                           correlate's lines as a service map (DOT, Mermaid, SVG, JSON)
          socket-agent --http-listen 9464                  the daemon, with /metrics and /healthz on 127.0.0.1:9464
          socket-agent --otlp-endpoint http://otelcol:4318 the daemon, pushing its own metrics over OTLP
          socket-agent --log-format json                   the daemon, its own log lines on stderr as ECS JSON
          socket-agent healthcheck                         exit 0 when that agent's /healthz says ready
          socket-agent schema --elasticsearch DIR          the JSON Schema's Elasticsearch index templates

        Exit codes: 0 success (also when the reader closes stdout, and after SIGTERM), 1 collection, output or
        state directory failed, 2 bad usage or an invalid setting.
        """;

    public static int Run(string[] args, StandardStreams streams)
    {
        RootCommand root = Build(streams);
        ParseResult result = root.Parse(args);
        if (result.CommandResult.Command != root)
        {
            // netstat, correlate, healthcheck, schema: SIGHUP's default from here (the daemon's start keeps holding it).
            StartupHangUp.Release();
        }
        if (result.Errors.Count > 0)
        {
            streams.Error.WriteLine($"socket-agent: {result.Errors[0].Message} (see socket-agent --help)");
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = new StreamWriter(streams.Output, StandardStreams.Utf8NoBom) { AutoFlush = true },
            Error = streams.Error,
        };
        return result.Invoke(configuration);
    }

    private static RootCommand Build(StandardStreams streams)
    {
        var root = new RootCommand(Description);
        // System.CommandLine's own --version reads the entry assembly's attribute by itself; this one prints what
        // agent.version is cut from, through the one reader of it.
        foreach (VersionOption version in root.Options.OfType<VersionOption>())
        {
            version.Action = new PrintVersionAction();
        }
        var once = new Option<bool>("--once")
        {
            Description = "Print one snapshot as JSON lines and exit: sockets, then routes, interfaces and protocol counters (narrow it with -t -u -w -x -i -r -s). Example: socket-agent --once -t | jq .",
        };
        var hostName = new Option<string?>("--host-name")
        {
            Description = "Report this as host.name instead of the kernel hostname. Example: --host-name web-01",
        };
        var fields = new Option<string?>("--fields")
        {
            Description = "How much detail a socket line carries: minimal (who talked to whom: endpoints, state, user, process id, name and executable), default (plus arguments, queues and the tcp_info people chart), full (every tcp_info field, the quoted command line, iana_number, state_code). Example: --fields minimal",
        };
        var selectors = new SelectorOptions(SocketSourceKind.Auto,
            "Where sockets are read. auto: the daemon traces every TCP transition with eBPF (with its process) and takes snapshots over netlink sock_diag, falling back to netlink alone (one stderr line says why) when BPF cannot load, and to /proc/net when netlink is refused; ebpf: the same but fail instead of falling back; netlink: sock_diag only; procfs: /proc/net only. Example: --source netlink",
            ebpf: true);
        var daemon = new DaemonOptions();
        var operations = new OperationsOptions();
        var logging = new LogOptions();
        root.Add(once);
        root.Add(hostName);
        root.Add(fields);
        selectors.AddTo(root);
        daemon.AddTo(root);
        operations.AddTo(root);
        logging.AddTo(root);
        root.Add(NetstatCommand.Build(streams));
        root.Add(HealthcheckCommand.Build(streams));
        root.Add(CorrelateCommand.Build(streams));
        root.Add(MapCommand.Build(streams));
        root.Add(SchemaCommand.Build(streams));

        root.SetAction(result =>
        {
            AgentOptions options;
            string? configPath = result.GetValue(daemon.Config);
            Dictionary<string, string?> commandLine = CommandLineSettings(result, daemon, selectors, hostName, fields, operations, logging);
            try
            {
                options = AgentConfigurationLoader.Load(configPath, commandLine);
            }
            catch (AgentConfigurationException ex)
            {
                // Plain, whatever --log-format says: the format is one of the settings that were just refused, and
                // a usage error is read by the person who typed the command.
                streams.Error.WriteLine($"socket-agent: {ex.Message}");
                return ExitCodes.Usage;
            }

            if (result.GetValue(daemon.PrintConfig) || result.GetValue(once))
            {
                // Not the daemon: SIGHUP ends these as it ends any one-shot tool.
                StartupHangUp.Release();
            }
            if (result.GetValue(daemon.PrintConfig))
            {
                AgentOptionsJson.Write(options, streams.Output);
                return ExitCodes.Success;
            }

            if (!result.GetValue(once))
            {
                if (OneShotOnlySelector(result, selectors) is { } selector)
                {
                    // The daemon reports every socket so that opened/closed events stay complete; narrowing it is the
                    // filters' job. Ignoring the flag would look like it worked.
                    streams.Error.WriteLine($"socket-agent: {selector} applies to --once and netstat; the daemon narrows its events with filters:include / filters:exclude in the config (see socket-agent --help)");
                    return ExitCodes.Usage;
                }

                // Blocks until SIGTERM/SIGINT; a synchronous action, so System.CommandLine leaves the signals to the host.
                // SIGHUP reads the same sources again: the file as it is then, under the same overrides.
                return DaemonHost.Run(options, streams, reload: () => AgentConfigurationLoader.Load(configPath, commandLine));
            }

            SocketQuery query = selectors.ToQuery(result);
            if (!NamesTransports(result, selectors))
            {
                // No -t -u -w -x -4 -6 on the command line: the configured transports (all by default).
                query = new SocketQuery { Transports = options.Collect.Transports, Families = query.Families, ListeningOnly = query.ListeningOnly };
            }
            return OnceCommand.Run(options, query, streams);
        });
        return root;
    }

    /// <summary>
    /// The settings given on the command line, as configuration keys, so they go through the same validation as the
    /// file and the environment and override both.
    /// </summary>
    private static Dictionary<string, string?> CommandLineSettings(
        ParseResult result, DaemonOptions daemon, SelectorOptions selectors, Option<string?> hostName, Option<string?> fields, OperationsOptions operations,
        LogOptions logging)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        AddExplicit(result, daemon.Interval, "interval", settings);
        AddExplicit(result, daemon.StatsInterval, "stats_interval", settings);
        AddExplicit(result, daemon.Heartbeat, "heartbeat", settings);
        AddExplicit(result, daemon.StateDir, "state_dir", settings);
        AddExplicit(result, hostName, "host_name", settings);
        AddExplicit(result, fields, "fields", settings);
        AddExplicit(result, selectors.Source, "source", settings);
        AddExplicit(result, selectors.Netns, "netns", settings);
        AddExplicit(result, daemon.FilePath, "file:path", settings);
        AddExplicit(result, daemon.KafkaBootstrapServers, "kafka:bootstrap_servers", settings);
        AddExplicit(result, daemon.KafkaTopic, "kafka:topic", settings);
        AddExplicit(result, operations.HttpListen, OperationsOptions.SettingKey, settings);
        AddExplicit(result, operations.OtlpEndpoint, OperationsOptions.OtlpSettingKey, settings);
        AddExplicit(result, logging.Format, LogOptions.SettingKey, settings);
        if (result.GetValue(daemon.Output) is { Length: > 0 } outputs)
        {
            settings["outputs"] = string.Join(',', outputs);
        }

        // -t -u -w -x -i -r -s: with none of them the configured parts; with any, exactly what they name.
        bool tcp = result.GetValue(selectors.Tcp), udp = result.GetValue(selectors.Udp), raw = result.GetValue(selectors.Raw), unix = result.GetValue(selectors.Unix);
        bool interfaces = result.GetValue(selectors.Interfaces), routes = result.GetValue(selectors.Routes), statistics = result.GetValue(selectors.Statistics);
        if (tcp || udp || raw || unix || interfaces || routes || statistics)
        {
            var transports = new List<string>(4);
            if (tcp) transports.Add("tcp");
            if (udp) transports.Add("udp");
            if (raw) transports.Add("raw");
            if (unix) transports.Add("unix");
            settings["collect:transports"] = string.Join(',', transports);
            settings["collect:interfaces"] = interfaces ? "true" : "false";
            settings["collect:routes"] = routes ? "true" : "false";
            settings["collect:statistics"] = statistics ? "true" : "false";
        }
        return settings;
    }

    /// <summary>The first of -4, -6, -l, -a given, which only select what a one-shot view prints.</summary>
    private static string? OneShotOnlySelector(ParseResult result, SelectorOptions selectors) =>
        result.GetValue(selectors.IPv4) ? "-4" :
        result.GetValue(selectors.IPv6) ? "-6" :
        result.GetValue(selectors.Listening) ? "-l" :
        result.GetValue(selectors.AllSockets) ? "-a" : null;

    private static bool NamesTransports(ParseResult result, SelectorOptions selectors) =>
        result.GetValue(selectors.Tcp) || result.GetValue(selectors.Udp) || result.GetValue(selectors.Raw) || result.GetValue(selectors.Unix)
        || result.GetValue(selectors.IPv4) || result.GetValue(selectors.IPv6);

    private static void AddExplicit(ParseResult result, Option option, string key, Dictionary<string, string?> settings)
    {
        if (result.GetResult(option) is { Implicit: false, Tokens.Count: > 0 } given)
        {
            settings[key] = given.Tokens[^1].Value;
        }
    }

    /// <summary><c>--version</c>: the informational version (<c>0.1.0+commit</c>) on stdout.</summary>
    private sealed class PrintVersionAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(AgentVersion.Informational);
            return ExitCodes.Success;
        }
    }
}
