using System.CommandLine;
using SocketAgent.Collection;
using SocketAgent.Collection.Processes;
using SocketAgent.Model;
using SocketAgent.Output.Netstat;

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
            Without -l or -a only connected sockets are shown, as in netstat.

            Examples:
              socket-agent netstat -tuanp            TCP and UDP, numeric, with owners
              socket-agent netstat -tlp --cmdline    TCP listeners with their full command lines
              socket-agent netstat -xa               UNIX domain sockets
            """);
        // netstat reads /proc/net; so do we by default, so queue and RefCnt columns match it exactly.
        var selectors = new SelectorOptions(SocketSourceKind.Procfs,
            "Where sockets are read (default procfs: the files netstat reads, so every column matches). Example: --source netlink");
        var numeric = new Option<bool>("--numeric", "-n") { Description = "Numeric addresses, ports and users (no name lookups). Example: socket-agent netstat -tan" };
        var numericHosts = new Option<bool>("--numeric-hosts") { Description = "Numeric host addresses only. Example: socket-agent netstat -ta --numeric-hosts" };
        var numericPorts = new Option<bool>("--numeric-ports") { Description = "Numeric port numbers only. Example: socket-agent netstat -ta --numeric-ports" };
        var numericUsers = new Option<bool>("--numeric-users") { Description = "Numeric user ids only (with -e). Example: socket-agent netstat -tae --numeric-users" };
        var programs = new Option<bool>("--program", "-p") { Description = "Show the PID/Program name column. Example: socket-agent netstat -tlnp" };
        var extend = new Option<bool>("--extend", "-e") { Description = "Show the User and Inode columns. Example: socket-agent netstat -tane" };
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
            return RunAsync(options, result.GetValue(selectors.Source), streams, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(NetstatOptions options, SocketSourceKind source, StandardStreams streams, CancellationToken cancellationToken)
    {
        SocketSnapshot snapshot;
        try
        {
            snapshot = SnapshotRunner.Collect(
                new SnapshotCollectorOptions { Source = source, AttributeProcesses = options.ProgramColumn },
                options.ToSocketQuery(), streams.Error);
        }
        catch (SocketSourceUnavailableException ex)
        {
            streams.Error.WriteLine($"socket-agent: error: cannot read the socket tables: {ex.Message}");
            return ExitCodes.Failure;
        }

        INameResolver names = options is { NumericHosts: true, NumericPorts: true, NumericUsers: true }
            ? NumericNameResolver.Instance
            : new SystemNameResolver(DnsHostNameLookup.Instance, ServiceNameTable.Load(), new UserNameResolver().GetUserName);
        var writer = new NetstatTableWriter(options, names);

        // netstat's own notice, for scripts that expect it; as root it never prints it (root reads every fd
        // directory), and our collector has already said precisely what a sandbox or LSM hid.
        uint euid = EffectiveUid();
        if (options.ProgramColumn && euid != 0 && NetstatTableWriter.ProgramWarning(snapshot.Owners, euid) is string warning)
        {
            streams.Error.Write(warning);
        }

        try
        {
            await using var text = new StreamWriter(streams.Output, StandardStreams.Utf8NoBom, 1 << 16, leaveOpen: true);
            await writer.WriteAsync(snapshot, text, cancellationToken);
            await text.FlushAsync(cancellationToken);
        }
        catch (IOException ex) when (StandardStreams.IsBrokenPipe(ex))
        {
        }
        return ExitCodes.Success;
    }

    private static uint EffectiveUid() => SocketAgent.Interop.Sys.GetEUid();
}
