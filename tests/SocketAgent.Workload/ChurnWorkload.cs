using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SocketAgent.Workload;

/// <summary>
/// A steady stream of short loopback connections, for the daemon benchmark: <c>--churn N</c> opens N connections per
/// second to its own listener (paced every 10 ms), holds each for <c>--churn-hold-ms</c>, then resets both ends
/// (linger 0: no TIME_WAIT), for <c>--churn-seconds</c>. Returns how many connections it opened.
/// </summary>
internal static class ChurnWorkload
{
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(10);

    public static long Run(WorkloadOptions options, TextWriter stdout)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4096);
        stdout.WriteLine($"CHURN {((IPEndPoint)listener.LocalEndPoint!).Port}");
        stdout.Flush();

        var open = new Queue<(long Due, Socket Client, Socket Server)>();
        long holdTicks = (long)(options.ChurnHold.TotalSeconds * Stopwatch.Frequency);
        long opened = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < options.ChurnDuration)
        {
            long due = (long)(clock.Elapsed.TotalSeconds * options.Churn);
            for (; opened < due; opened++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.LingerState = new LingerOption(true, 0);
                client.Connect(listener.LocalEndPoint!);
                Socket server = listener.Accept();
                server.LingerState = new LingerOption(true, 0);
                open.Enqueue((Stopwatch.GetTimestamp() + holdTicks, client, server));
            }
            CloseDue(open, Stopwatch.GetTimestamp());
            Thread.Sleep(s_tick);
        }
        // Every connection lives its full hold, the last ones too, so a lister polling slower than the hold sees them all.
        while (open.Count > 0)
        {
            Thread.Sleep(s_tick);
            CloseDue(open, Stopwatch.GetTimestamp());
        }
        return opened;
    }

    private static void CloseDue(Queue<(long Due, Socket Client, Socket Server)> open, long now)
    {
        while (open.TryPeek(out var entry) && entry.Due <= now)
        {
            open.Dequeue();
            entry.Client.Dispose();
            entry.Server.Dispose();
        }
    }
}
