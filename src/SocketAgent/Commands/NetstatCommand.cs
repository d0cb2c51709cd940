using System.CommandLine;
using SocketAgent.Cli.Logging;
using SocketAgent.Collection;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Collection.Processes;
using SocketAgent.Model;
using SocketAgent.Encoders.Netstat;

namespace SocketAgent.Cli.Commands;

/// <summary>
/// <c>socket-agent netstat [flags]</c>: netstat's socket tables, byte for byte, so muscle memory and scripts carry
/// over — plus <c>--cmdline</c>, the full command line where netstat cuts the program name to 19 characters.
/// </summary>
internal static class NetstatCommand
{
    public static Command Build(StandardStreams streams)
    {
        var command = new Command("netstat",
            """
            Print what `netstat` prints for the same flags: same headings, columns and widths.
            Without -l or -a only connected sockets are shown, as in netstat. -i, -r and -s print the
            interface table, the routing table and the protocol statistics instead of sockets.

            Examples:
              socket-agent netstat -tuanp            TCP and UDP, numeric, with owners
              socket-agent netstat -tlp --cmdline    TCP listeners with their full command lines
              socket-agent netstat -xa               UNIX domain sockets
              socket-agent netstat -i                interfaces that are up (-ia: all)
              socket-agent netstat -rn               the IPv4 routing table (-rn -6: IPv6; -rne: metrics)
              socket-agent netstat -s                protocol statistics (-st, -su, -s -6)
            """);
        // netstat reads /proc/net; so do we by default, so queue and RefCnt columns match it exactly.
        var selectors = new SelectorOptions(SocketSourceKind.Procfs,
            "Where sockets are read (default procfs: the files netstat reads, so every column matches). Example: --source netlink");
        var numeric = new Option<bool>("--numeric", "-n") { Description = "Numeric addresses, ports and users (no name lookups). Example: socket-agent netstat -tan" };
        var numericHosts = new Option<bool>("--numeric-hosts") { Description = "Numeric host addresses only. Example: socket-agent netstat -ta --numeric-hosts" };
        var numericPorts = new Option<bool>("--numeric-ports") { Description = "Numeric port numbers only. Example: socket-agent netstat -ta --numeric-ports" };
        var numericUsers = new Option<bool>("--numeric-users") { Description = "Numeric user ids only (with -e). Example: socket-agent netstat -tae --numeric-users" };
        var programs = new Option<bool>("--program", "-p") { Description = "Show the PID/Program name column. Example: socket-agent netstat -tlnp" };
        var extend = new Option<bool>("--extend", "-e") { Description = "Show the User and Inode columns; with -r the Metric/Ref/Use columns (-ee: both route layouts). Example: socket-agent netstat -tane" };
        var wide = new Option<bool>("--wide", "-W") { Description = "Do not truncate IP addresses. Example: socket-agent netstat -tanW" };
        var commandLine = new Option<bool>("--cmdline")
        {
            Description = "Show PID/full command line (shell-quoted) instead of netstat's 19-character program name. Example: socket-agent netstat -tlp --cmdline",
        };
        selectors.AddTo(command);
        command.Add(numeric);
        command.Add(numericHosts);
        command.Add(numericPorts);
        command.Add(numericUsers);
        command.Add(programs);
        command.Add(extend);
        command.Add(wide);
        command.Add(commandLine);

        command.SetAction((result, cancellationToken) =>
        {
            SocketQuery query = selectors.ToQuery(result);
            bool allNumeric = result.GetValue(numeric);
            var options = new NetstatOptions
            {
                Transports = query.Transports,
                Families = query.Families,
                Listening = result.GetValue(selectors.Listening),
                All = result.GetValue(selectors.AllSockets),
                NumericHosts = allNumeric || result.GetValue(numericHosts),
                NumericPorts = allNumeric || result.GetValue(numericPorts),
                NumericUsers = allNumeric || result.GetValue(numericUsers),
                ShowPrograms = result.GetValue(programs),
                Extended = result.GetValue(extend),
                Wide = result.GetValue(wide),
                CommandLine = result.GetValue(commandLine),
            };
            NetstatMode mode = result.GetValue(selectors.Statistics) ? NetstatMode.Statistics
                : result.GetValue(selectors.Routes) ? NetstatMode.Routes
                : result.GetValue(selectors.Interfaces) ? NetstatMode.Interfaces
                : NetstatMode.Sockets;
            var run = new NetstatRun(options, mode, CountOccurrences(result, extend), result.GetValue(selectors.Source), result.GetValue(selectors.Netns)!,
                ExplicitTransports: result.GetValue(selectors.Tcp) || result.GetValue(selectors.Udp) || result.GetValue(selectors.Raw) || result.GetValue(selectors.Unix),
                Ipv6Explicit: result.GetValue(selectors.IPv6), Ipv4Explicit: result.GetValue(selectors.IPv4));
            return RunAsync(run, streams, cancellationToken);
        });
        return command;
    }

    private enum NetstatMode
    {
        Sockets,
        Interfaces,
        Routes,
        Statistics,
    }

    /// <summary>One netstat invocation: the table to print and the flags that shape it.</summary>
    private sealed record NetstatRun(
        NetstatOptions Options, NetstatMode Mode, int ExtendCount, SocketSourceKind Source, NetworkNamespaceSelection Namespaces,
        bool ExplicitTransports, bool Ipv6Explicit, bool Ipv4Explicit);

    /// <summary>netstat counts repeated flags (<c>-ee</c>, <c>-ree</c>): how many times <paramref name="option"/> was given.</summary>
    private static int CountOccurrences(ParseResult result, Option option)
    {
        int count = 0;
        foreach (System.CommandLine.Parsing.Token token in result.Tokens)
        {
            if (token.Type == System.CommandLine.Parsing.TokenType.Option && (token.Value == option.Name || option.Aliases.Contains(token.Value)))
            {
                count++;
            }
        }
        return count;
    }

    private static async Task<int> RunAsync(NetstatRun run, StandardStreams streams, CancellationToken cancellationToken)
    {
        NetstatOptions options = run.Options;
        CollectedParts parts = run.Mode switch
        {
            NetstatMode.Interfaces => CollectedParts.Interfaces,
            NetstatMode.Routes => CollectedParts.Routes,
            NetstatMode.Statistics => CollectedParts.Statistics,
            _ => CollectedParts.Sockets,
        };
        var collectorOptions = new HostCollectorOptions
        {
            Source = run.Source,
            Parts = parts,
            Namespaces = run.Namespaces,
            AttributeProcesses = options.ProgramColumn,
        };
        // netstat takes no --log-format (its output and notices are net-tools'): its diagnostics stay plain lines.
        HostSnapshot? snapshot = SnapshotRunner.TryCollect(collectorOptions, options.ToSocketQuery(), new StderrLog(LogFormat.Text, streams.Error), out int exitCode);
        if (snapshot is null)
        {
            return exitCode;
        }

        bool numeric = options is { NumericHosts: true, NumericPorts: true, NumericUsers: true };
        INameResolver names = numeric || (run.Mode == NetstatMode.Routes && options.NumericHosts)
            ? NumericNameResolver.Instance
            : new SystemNameResolver(DnsHostNameLookup.Instance, ServiceNameTable.Load(), new UserNameResolver().GetUserName);

        // netstat's own notice, for scripts that expect it; as root it never prints it (root reads every fd
        // directory), and our collector has already said precisely what a sandbox or LSM hid.
        uint euid = EffectiveUid();
        if (run.Mode == NetstatMode.Sockets && options.ProgramColumn && euid != 0
            && NetstatTableWriter.ProgramWarning(snapshot.Owners, euid) is string warning)
        {
            streams.Error.Write(warning);
        }

        try
        {
            await using var text = new StreamWriter(streams.Output, StandardStreams.Utf8NoBom, 1 << 16, leaveOpen: true);
            bool several = snapshot.Namespaces.Count > 1;
            foreach (NamespaceState state in snapshot.Namespaces)
            {
                if (several)
                {
                    // netstat has no namespaces; with --netns all each one's tables follow a line naming it.
                    await text.WriteLineAsync($"Network namespace {NetworkNamespaceText.Describe(state.Namespace)}");
                }
                await WriteAsync(run, names, snapshot, state, text, cancellationToken);
            }
            await text.FlushAsync(cancellationToken);
        }
        catch (IOException ex) when (StandardStreams.IsBrokenPipe(ex))
        {
        }
        return ExitCodes.Success;
    }

    private static async Task WriteAsync(NetstatRun run, INameResolver names, HostSnapshot snapshot, NamespaceState state, TextWriter text, CancellationToken cancellationToken)
    {
        switch (run.Mode)
        {
            case NetstatMode.Interfaces:
                new NetstatInterfaceWriter(new NetstatInterfaceOptions { All = run.Options.All }).Write(state.Interfaces, text);
                break;
            case NetstatMode.Routes:
                var routeOptions = new NetstatRouteOptions
                {
                    // netstat -r shows IPv4 unless -6 (or -A inet6) asks for IPv6; -4 -6 gives both.
                    Families = run.Ipv6Explicit ? (run.Ipv4Explicit ? IpFamilySet.Both : IpFamilySet.IPv6) : IpFamilySet.IPv4,
                    NumericHosts = run.Options.NumericHosts,
                    ExtendCount = run.ExtendCount,
                };
                NetstatRouteNetworkNames? networks = run.Options.NumericHosts ? null : NetstatRouteNetworkNames.Load();
                await new NetstatRouteWriter(routeOptions, names, networks).WriteAsync(state.Routes, text, cancellationToken);
                break;
            case NetstatMode.Statistics:
                var statisticsOptions = new NetstatStatisticsOptions
                {
                    Transports = run.ExplicitTransports ? run.Options.Transports : TransportSet.All,
                    Ipv6 = run.Ipv6Explicit,
                };
                new NetstatStatisticsWriter(statisticsOptions).Write(state.Statistics, text);
                break;
            default:
                await new NetstatTableWriter(run.Options, names).WriteAsync(snapshot.SocketsOf(state), text, cancellationToken);
                break;
        }
    }

    private static uint EffectiveUid() => SocketAgent.Interop.Sys.GetEUid();
}
