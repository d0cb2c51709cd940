using SocketAgent.Collection.Containers;
using SocketAgent.Cli.Configuration;
using SocketAgent.Cli.Hosting;
using SocketAgent.Cli.Logging;
using SocketAgent.Collection;
using SocketAgent.Collection.Processes;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Cli.Commands;

/// <summary>
/// <c>socket-agent --once</c>: one snapshot as JSON lines on stdout — the sockets, then the routes, the interfaces
/// and the protocol counters of every selected network namespace, each line tagged with its namespace. Collected
/// and filtered as the daemon's first cycle is (<see cref="CollectionSettings"/>): same source, namespaces,
/// redaction and filters.
/// </summary>
internal static class OnceCommand
{
    /// <param name="options">The agent's settings (config file, environment, command line).</param>
    /// <param name="query">The sockets the command line selects (-t -u -w -x -4 -6 -l).</param>
    /// <param name="streams">stdout for the lines, stderr for diagnostics (in <c>log.format</c>).</param>
    public static int Run(AgentOptions options, SocketQuery query, StandardStreams streams)
    {
        var log = new StderrLog(options.LogFormat, streams.Error);
        CollectionSettings settings = CollectionSettings.From(options, followChanges: false, TimeProvider.System);
        HostSnapshot? snapshot = SnapshotRunner.TryCollect(settings.Collector, query, log, out int exitCode);
        if (snapshot is null)
        {
            return exitCode;
        }

        try
        {
            using var buffered = new BufferedStream(streams.Output, 1 << 16);
            Func<uint, string?> userNames = new UserNameResolver().GetUserName;
            using ContainerDirectoryChain? containers = ContainerDirectories.Open(options, log.Warning);
            using (var writer = new JsonLinesWriter(buffered, userNames, RouteTableNames.LoadSystem(), options.Fields, containers))
            {
                Write(snapshot, settings.Filter, writer, buffered, userNames, options.Fields, containers);
                writer.Flush();
                if (KernelValues.Dropped > 0)
                {
                    log.Warning($"{KernelValues.Dropped} values the kernel reported did not fit their field (a 64-bit counter above 2^63-1) and were left out of their lines");
                }
            }
            buffered.Flush();
        }
        catch (IOException ex) when (StandardStreams.IsBrokenPipe(ex))
        {
            // The reader stopped reading (| head): what it wanted is out, nothing to report.
        }
        return ExitCodes.Success;
    }

    /// <param name="output">What <paramref name="writer"/> writes to: the socket lines encoded on other cores are appended to it.</param>
    private static void Write(
        HostSnapshot snapshot, SocketFilter filter, JsonLinesWriter writer, Stream output, Func<uint, string?> userNames, FieldProfile fields,
        IContainerDirectory? containers)
    {
        foreach (NamespaceState state in snapshot.Namespaces)
        {
            // Directions from every socket and address of the namespace, as the daemon resolves them, before the
            // filters narrow what is printed.
            var directions = ConnectionDirectionResolver.FromSockets(state.Sockets, state.Interfaces);
            SocketSnapshot sockets = snapshot.SocketsOf(state);
            if (!filter.KeepsAll)
            {
                sockets = new SocketSnapshot
                {
                    Timestamp = sockets.Timestamp,
                    Host = sockets.Host,
                    Owners = sockets.Owners,
                    Source = sockets.Source,
                    Sockets = state.Sockets.Where(s => filter.Keep(s, snapshot.Owners.Lookup(s.Inode))).ToList(),
                };
            }
            ParallelSocketLines.Write(writer, output, sockets, state.Namespace, directions, userNames, fields, containers);
        }
        foreach (NamespaceState state in snapshot.Namespaces)
        {
            writer.WriteRoutes(state.Routes, state.Namespace, snapshot.Host, snapshot.Timestamp);
        }
        foreach (NamespaceState state in snapshot.Namespaces)
        {
            writer.WriteInterfaces(state.Interfaces, state.Namespace, snapshot.Host, snapshot.Timestamp);
        }
        foreach (NamespaceState state in snapshot.Namespaces)
        {
            writer.WriteStatistics(state.Statistics, state.Namespace, snapshot.Host, snapshot.Timestamp);
        }
    }
}
