using System.CommandLine;
using System.CommandLine.Parsing;
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

        Examples:
          socket-agent --once | jq .                       every socket, as JSON lines
          socket-agent --once -tl | jq -r '.process.command_line'
                                                           what every TCP listener runs, in full
          socket-agent --once -x --source procfs           UNIX sockets read from /proc/net
          socket-agent --once -r | jq .                    the routing tables (every table, IPv4 and IPv6)
          socket-agent --once --netns all -t               TCP sockets of every network namespace (containers too)
          socket-agent netstat -tuanp                      what `netstat -tuanp` prints
          socket-agent netstat -tlp --cmdline              listeners with full command lines
          socket-agent netstat -i | -rn | -s               what netstat -i, -rn, -s print

        Exit codes: 0 success (also when the reader closes stdout), 1 collection or output failed, 2 bad usage.
        """;

    public static int Run(string[] args, StandardStreams streams)
    {
        RootCommand root = Build(streams);
        ParseResult result = root.Parse(args);
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
        var once = new Option<bool>("--once")
        {
            Description = "Print one snapshot as JSON lines and exit: sockets, then routes, interfaces and protocol counters (narrow it with -t -u -w -x -i -r -s). Example: socket-agent --once -t | jq .",
        };
        var hostName = new Option<string?>("--host-name")
        {
            Description = "Report this as host.name instead of the kernel hostname. Example: --host-name web-01",
        };
        var selectors = new SelectorOptions(SocketSourceKind.Auto,
            "Where sockets are read: netlink sock_diag (auto: with a fallback to /proc/net when refused), or /proc/net only. Example: --source procfs");
        root.Add(once);
        root.Add(hostName);
        selectors.AddTo(root);
        root.Add(NetstatCommand.Build(streams));

        root.SetAction(result =>
        {
            if (!result.GetValue(once))
            {
                // The long-running event stream is a separate capability; until it exists, say so plainly
                // rather than pretend to run.
                streams.Error.WriteLine("socket-agent: daemon mode is not available in this version; use --once (see socket-agent --help)");
                return ExitCodes.Usage;
            }

            var options = new SnapshotCollectorOptions
            {
                Source = result.GetValue(selectors.Source),
                HostName = result.GetValue(hostName),
                Parts = selectors.ToParts(result),
                Namespaces = result.GetValue(selectors.Netns)!,
            };
            return OnceCommand.Run(options, selectors.ToQuery(result), streams);
        });
        return root;
    }
}
