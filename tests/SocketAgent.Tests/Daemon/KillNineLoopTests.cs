using System.Diagnostics;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// The daemon killed with SIGKILL a hundred times at random points — during start, during the first snapshot, in the
/// middle of a cycle's output, between cycles — on one state directory while connections come and go: across every
/// run's stdout no <c>event.sequence</c> is used for two different events, and every number missing below the
/// highest is named by a <c>loss</c> line (the next run's <c>unclean_stop</c>).
/// </summary>
public sealed class KillNineLoopTests : IDisposable
{
    private const int Kills = 100;
    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("socket-agent-kill9-");

    public void Dispose() => _state.Delete(recursive: true);

    // Netlink snapshots: the sequence reservation does not depend on the source, and loading the BPF programs at each
    // of the hundred starts was half of the test's time.
    private DaemonProcess Start() =>
        DaemonProcess.Start(["--interval", "50ms", "--heartbeat", "100ms", "--state-dir", _state.FullName, "-t", "--source", "netlink"]);

    [Fact]
    public void A_hundred_kill_9s_at_random_points_never_reuse_a_sequence_and_every_gap_is_named_by_a_loss_line()
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        var ledger = new SequenceLedger();
        using var stop = new ManualResetEventSlim();
        // Socket events all the time, so that kills land in the middle of a cycle's lines, not only between heartbeats.
        var traffic = new Thread(() =>
        {
            using var churn = new LoopbackChurn();
            while (!stop.IsSet)
            {
                churn.Cycle(connections: 10);
            }
        }) { IsBackground = true };
        traffic.Start();
        var watch = Stopwatch.StartNew();
        int silent = 0;
        try
        {
            for (int run = 0; run < Kills; run++)
            {
                using DaemonProcess agent = Start();
                if (run % 2 == 0)
                {
                    // Anywhere at all: before the state is open, in the first snapshot, in a cycle (50 ms each).
                    Thread.Sleep(random.Next(0, 500));
                }
                else
                {
                    // After a random number of lines: in the middle of the stream.
                    int lines = random.Next(1, 200);
                    DateTime deadline = DateTime.UtcNow.AddSeconds(10);
                    for (int read = 0; read < lines && DateTime.UtcNow < deadline;)
                    {
                        if (agent.ReadLine(deadline - DateTime.UtcNow) is null)
                        {
                            break;
                        }
                        read++;
                    }
                }
                agent.Kill();
                silent += agent.AllLines.Count == 0 ? 1 : 0;
                ledger.Add(agent.AllLines);
            }
        }
        finally
        {
            stop.Set();
            traffic.Join(TimeSpan.FromSeconds(10));
        }

        // One clean run at the end names what the last kill left.
        using (DaemonProcess agent = Start())
        {
            agent.WaitForLine(static l => l.Contains("\"action\":\"heartbeat\"", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(30)));
            ledger.Add(agent.AllLines);
        }
        watch.Stop();

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"seed {seed}: {Kills} kills in {watch.Elapsed.TotalSeconds:0.0} s ({silent} before any line); {ledger.Lines} lines, " +
            $"sequences up to {ledger.Highest}, {ledger.Losses.Count} loss lines naming {ledger.Losses.Sum(static l => l.Last - l.First + 1)} numbers");
        ledger.AssertConsistent();
        Assert.All(ledger.Losses, static l => Assert.Equal("unclean_stop", l.Reason));
        Assert.True(ledger.Lines > Kills, $"only {ledger.Lines} lines in {Kills} runs");
    }
}
