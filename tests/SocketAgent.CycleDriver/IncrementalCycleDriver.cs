using System.Diagnostics;
using System.Globalization;
using SocketAgent.Collection;
using SocketAgent.Collection.Incremental;
using SocketAgent.Model;

namespace SocketAgent.Benchmarks;

/// <summary>
/// Runs the daemon's incremental collection (<see cref="DaemonCycle"/>) in a loop and prints what tests/benchmarks/run-daemon-benchmark.sh checks:
/// <list type="bullet">
/// <item><c>idle --cycles N</c>: one full cycle, then N back-to-back cycles on an unchanged host; CPU (user+sys of
/// the whole process, getrusage) per cycle, and the CPU of a full cycle.</item>
/// <item><c>churn --churn-port P --seconds S --interval-ms I</c>: a cycle every I ms for S seconds; counts the
/// distinct connections to port P seen (by cookie) and how many were attributed to a process.</item>
/// </list>
/// Output: <c>key value</c> lines on stdout.
/// </summary>
internal static class IncrementalCycleDriver
{
    public static int Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "idle";
        int cycles = IntOption(args, "--cycles", 50);
        int port = IntOption(args, "--churn-port", 0);
        int seconds = IntOption(args, "--seconds", 20);
        int intervalMs = IntOption(args, "--interval-ms", 1000);

        var diagnostics = new CollectionDiagnostics();
        SocketQuery query = Array.IndexOf(args, "--no-tcp-info") >= 0 ? SocketQuery.All with { IncludeTcpInfo = false } : SocketQuery.All;
        // A periodic full cycle would land inside an idle run only by chance: it is measured on its own instead.
        var options = new IncrementalCollectorOptions { FullDumpInterval = Timeout.InfiniteTimeSpan };
        using var collector = new DaemonCycle(options);

        TimeSpan cpu0 = CpuTime();
        long wall0 = Stopwatch.GetTimestamp();
        (IReadOnlyList<SocketRecord> firstSockets, SocketOwners firstOwners) = collector.Collect(query, diagnostics);
        Print("full_cycle_cpu_ms", (CpuTime() - cpu0).TotalMilliseconds);
        Print("full_cycle_wall_ms", Stopwatch.GetElapsedTime(wall0).TotalMilliseconds);
        Print("sockets", firstSockets.Count);
        Print("owned_sockets", firstOwners.Count);

        // A second full cycle, warm (JIT done): what the periodic safety net costs.
        collector.RequestFullCycle();
        cpu0 = CpuTime();
        collector.Collect(query, diagnostics);
        Print("warm_full_cycle_cpu_ms", (CpuTime() - cpu0).TotalMilliseconds);

        return mode == "churn" ? Churn(collector, query, diagnostics, port, seconds, intervalMs) : Idle(collector, query, diagnostics, cycles);
    }

    private static int Idle(DaemonCycle collector, SocketQuery query, CollectionDiagnostics diagnostics, int cycles)
    {
        collector.Collect(query, diagnostics); // warm the incremental path
        var reasons = new Dictionary<FullDumpReason, int>();
        TimeSpan cpu0 = CpuTime();
        long wall0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < cycles; i++)
        {
            collector.Collect(query, diagnostics);
            reasons[collector.LastReason] = reasons.GetValueOrDefault(collector.LastReason) + 1;
        }
        Print("idle_cycles", cycles);
        Print("idle_cycle_cpu_ms", (CpuTime() - cpu0).TotalMilliseconds / cycles);
        Print("idle_cycle_wall_ms", Stopwatch.GetElapsedTime(wall0).TotalMilliseconds / cycles);
        Print("idle_incremental_cycles", reasons.GetValueOrDefault(FullDumpReason.None));
        foreach ((FullDumpReason reason, int count) in reasons)
        {
            Console.Out.WriteLine($"idle_reason_{reason} {count}");
        }
        Print("last_attribution_ms", collector.Owners.LastAttributionTime.TotalMilliseconds);
        Print("last_dump_ms", collector.Sockets.LastDumpTime.TotalMilliseconds);
        Print("peak_rss_kib", PeakRssKib());
        return 0;
    }

    private static int Churn(DaemonCycle collector, SocketQuery query, CollectionDiagnostics diagnostics, int port, int seconds, int intervalMs)
    {
        var seen = new HashSet<ulong>();
        var attributed = new HashSet<ulong>();
        int churnPid = 0;
        double maxWallMs = 0;
        int late = 0;
        int cycles = 0;
        var interval = TimeSpan.FromMilliseconds(intervalMs);
        TimeSpan cpu0 = CpuTime();
        long start = Stopwatch.GetTimestamp();
        long next = start;
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds)
        {
            long cycleStart = Stopwatch.GetTimestamp();
            (IReadOnlyList<SocketRecord> sockets, SocketOwners holders) = collector.Collect(query, diagnostics);
            foreach (SocketRecord socket in sockets)
            {
                // The client ends of the churn connections: remote port = the churn listener.
                if (socket.Transport != Transport.Tcp || socket.RemotePort != port || socket.Cookie is not { } cookie
                    || socket.State != KernelSocketState.Established)
                {
                    continue;
                }
                seen.Add(cookie);
                IReadOnlyList<ProcessInfo> owners = holders.Lookup(socket.Inode);
                if (owners.Count > 0 && owners[0].CommandLine.Contains("--churn", StringComparison.Ordinal))
                {
                    attributed.Add(cookie);
                    churnPid = owners[0].Pid;
                }
            }
            double wallMs = Stopwatch.GetElapsedTime(cycleStart).TotalMilliseconds;
            maxWallMs = Math.Max(maxWallMs, wallMs);
            cycles++;

            next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
            TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero)
            {
                Thread.Sleep(wait);
            }
            else
            {
                late++;
            }
        }
        Print("churn_cycles", cycles);
        Print("churn_cycle_cpu_ms", (CpuTime() - cpu0).TotalMilliseconds / cycles);
        Print("churn_max_cycle_wall_ms", maxWallMs);
        Print("churn_late_cycles", late);
        Print("churn_connections_seen", seen.Count);
        Print("churn_connections_attributed", attributed.Count);
        Print("churn_pid", churnPid);
        Print("full_cycles", collector.Sockets.FullCycles);
        Print("incremental_cycles", collector.Sockets.IncrementalCycles);
        Print("peak_rss_kib", PeakRssKib());
        return 0;
    }

    private static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static long PeakRssKib()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static void Print(string key, double value) => Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key} {value:0.###}"));
}
