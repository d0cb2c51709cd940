using SocketAgent.Collection.Containers;
using SocketAgent.Encoders.Json;
using SocketAgent.Model;

namespace SocketAgent.Cli.Commands;

/// <summary>
/// Writes the socket lines of one namespace for <c>--once</c> on every core: encoding is most of what follows the
/// collection (about 2 µs a line), and while it runs the collection's threads are done. The sockets are cut into
/// contiguous slices; the first is encoded straight into the output by the caller's writer while the others are
/// encoded, each by its own writer (the encoders' caches are not shared), into memory, then appended in order, so
/// the output is byte for byte what one writer would have written.
/// </summary>
internal static class ParallelSocketLines
{
    // Below this, the hand-over costs more than it saves.
    private const int MinSocketsPerSlice = 2048;

    public static void Write(
        JsonLinesWriter writer, Stream output, SocketSnapshot sockets, NetworkNamespace ns, IConnectionDirectionResolver directions,
        Func<uint, string?> userNames, FieldProfile fields, IContainerDirectory? containers = null)
    {
        int slices = Math.Min(Environment.ProcessorCount, sockets.Sockets.Count / MinSocketsPerSlice);
        if (slices < 2)
        {
            writer.WriteSnapshot(sockets, ns, directions);
            return;
        }

        SocketRecord[] all = [.. sockets.Sockets];
        int size = (all.Length + slices - 1) / slices;
        // A generous guess of a line's size (the buffers grow if it is short): one allocation per slice.
        nuint guess = (nuint)size * (fields == FieldProfile.Full ? 2048u : 1024u);
        var rest = new NativeLineBuffer[slices - 1];
        Task? encoded = null;
        try
        {
            encoded = Task.WhenAll(Enumerable.Range(1, slices - 1).Select(i => Task.Run(() =>
            {
                rest[i - 1] = new NativeLineBuffer(guess);
                using var sliceWriter = new JsonLinesWriter(rest[i - 1], userNames, routeTables: null, fields, containers);
                sliceWriter.WriteSnapshot(Slice(sockets, all, i * size, size), ns, directions);
                sliceWriter.Flush();
            })));

            writer.WriteSnapshot(Slice(sockets, all, 0, size), ns, directions);
            writer.Flush();
            encoded.GetAwaiter().GetResult();
            foreach (NativeLineBuffer lines in rest)
            {
                lines.CopyTo(output);
            }
        }
        finally
        {
            // When the caller's slice failed (a closed stdout), the others may still be encoding into their buffers:
            // they are freed only once every worker is done (WaitAny: without rethrowing over the caller's error).
            if (encoded is not null)
            {
                Task.WaitAny(encoded);
            }
            foreach (NativeLineBuffer? lines in rest)
            {
                lines?.Dispose();
            }
        }
    }

    private static SocketSnapshot Slice(SocketSnapshot sockets, SocketRecord[] all, int start, int count) => new()
    {
        Timestamp = sockets.Timestamp,
        Host = sockets.Host,
        Owners = sockets.Owners,
        Source = sockets.Source,
        Sockets = new ArraySegment<SocketRecord>(all, start, Math.Min(count, all.Length - start)),
    };
}
