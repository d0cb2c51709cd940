using System.CommandLine;
using SocketAgent.Collection;
using SocketAgent.Collection.Processes;
using SocketAgent.Model;
using SocketAgent.Output.Json;

namespace SocketAgent.Cli.Commands;

/// <summary><c>socket-agent --once</c>: one snapshot of every socket as JSON lines on stdout.</summary>
internal static class OnceCommand
{
    public static int Run(SnapshotCollectorOptions options, SocketQuery query, StandardStreams streams)
    {
        SocketSnapshot snapshot;
        try
        {
            snapshot = SnapshotRunner.Collect(options, query, streams.Error);
        }
        catch (SocketSourceUnavailableException ex)
        {
            streams.Error.WriteLine($"socket-agent: error: cannot read the socket tables: {ex.Message}");
            return ExitCodes.Failure;
        }

        try
        {
            using var buffered = new BufferedStream(streams.Output, 1 << 16);
            using (var writer = new SocketJsonLinesWriter(buffered, new UserNameResolver().GetUserName))
            {
                writer.WriteSnapshot(snapshot);
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
}
