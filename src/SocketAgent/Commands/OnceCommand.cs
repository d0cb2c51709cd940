using SocketAgent.Collection;
using SocketAgent.Collection.Processes;
using SocketAgent.Model;
using SocketAgent.Output.Json;

namespace SocketAgent.Cli.Commands;

/// <summary>
/// <c>socket-agent --once</c>: one snapshot as JSON lines on stdout — the sockets, then the routes, the interfaces
/// and the protocol counters of every selected network namespace, each line tagged with its namespace.
/// </summary>
internal static class OnceCommand
{
    public static int Run(SnapshotCollectorOptions options, SocketQuery query, StandardStreams streams)
    {
        HostSnapshot? snapshot = SnapshotRunner.TryCollect(options, query, streams.Error, out int exitCode);
        if (snapshot is null)
        {
            return exitCode;
        }

        try
        {
            using var buffered = new BufferedStream(streams.Output, 1 << 16);
            using (var writer = new SocketJsonLinesWriter(buffered, new UserNameResolver().GetUserName, RouteTableNames.LoadSystem()))
            {
                Write(snapshot, writer);
                writer.Flush();
            }
            buffered.Flush();
        }
        catch (IOException ex) when (StandardStreams.IsBrokenPipe(ex))
        {
            // The reader stopped reading (| head): what it wanted is out, nothing to report.
        }
        return ExitCodes.Success;
    }

    private static void Write(HostSnapshot snapshot, SocketJsonLinesWriter writer)
    {
        foreach (NamespaceState state in snapshot.Namespaces)
        {
            writer.WriteSnapshot(snapshot.SocketsOf(state), state.Namespace);
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
