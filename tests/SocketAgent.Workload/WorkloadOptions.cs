using System.Globalization;

namespace SocketAgent.Workload;

/// <summary>Command-line options shared by the coordinator and its children.</summary>
/// <remarks>
/// The coordinator gets totals (<c>--processes 20 --tcp-connections 10000 --udp 200 --unix 200</c>) and hands each
/// child its share (<c>--child 7 --tcp-connections 500 ...</c>), so a child's command line shows exactly what it owns.
/// </remarks>
internal sealed class WorkloadOptions
{
    public int Processes { get; private set; } = 20;

    /// <summary>Loopback TCP connections; each one is two established sockets (client and accepted end).</summary>
    public int TcpConnections { get; private set; } = 10_000;

    /// <summary>UDP sockets, bound to loopback; every second one is also connected.</summary>
    public int Udp { get; private set; } = 200;

    /// <summary>UNIX socket pairs: path-bound stream, abstract stream, or unnamed datagram socketpair (two sockets each).</summary>
    public int Unix { get; private set; } = 200;

    /// <summary>Child index, or -1 in the coordinator.</summary>
    public int Child { get; private set; } = -1;

    /// <summary>Directory for path-bound UNIX listeners; the coordinator creates and removes it.</summary>
    public string? UnixDirectory { get; private set; }

    /// <summary>Marker put on every child's command line so the processes are easy to spot in socket owners.</summary>
    public string Tag { get; private set; } = "socket-agent-workload";

    public TimeSpan ReadyTimeout { get; private set; } = TimeSpan.FromSeconds(120);

    /// <summary>When set, the coordinator ignores stdin and runs until SIGTERM/SIGINT/SIGHUP.</summary>
    public bool UntilSignal { get; private set; }

    /// <summary>Churn mode: new loopback connections per second (0: the normal workload).</summary>
    public int Churn { get; private set; }

    /// <summary>Churn mode: how long to keep opening connections.</summary>
    public TimeSpan ChurnDuration { get; private set; } = TimeSpan.FromSeconds(20);

    /// <summary>Churn mode: how long each connection stays open before it is reset.</summary>
    public TimeSpan ChurnHold { get; private set; } = TimeSpan.FromMilliseconds(2500);

    public bool IsChild => Child >= 0;

    public static string Usage =>
        """
        SocketAgent.Workload: opens many sockets over child processes, for benchmarking socket listers.

          --processes N          child processes (default 20)
          --tcp-connections N    loopback TCP connections in all, 2 sockets each (default 10000)
          --udp N                UDP sockets in all (default 200)
          --unix N               UNIX socket pairs in all, 2 sockets each (default 200)
          --unix-dir DIR         where path-bound UNIX listeners live (default: a new temp directory)
          --tag TEXT             marker on the children's command lines (default socket-agent-workload)
          --ready-timeout SEC    give up if the children are not ready by then (default 120)
          --until-signal         do not watch stdin; run until SIGTERM/SIGINT/SIGHUP
          --churn N              instead: open N loopback connections per second in this process
          --churn-seconds SEC    churn for this long (default 20)
          --churn-hold-ms MS     keep each churn connection open this long, then reset it (default 2500)

        Prints "READY <sockets>" on stdout once every socket is open, then waits until stdin closes
        (or a signal), and stops and reaps every child. Progress and errors go to stderr.
        With --churn: prints "CHURN <listener port>" at the start and "OPENED <connections>" at the end.
        """;

    public static WorkloadOptions Parse(string[] args)
    {
        var options = new WorkloadOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            switch (name)
            {
                case "--processes": options.Processes = ParseCount(name, Value(args, ref i), min: 1); break;
                case "--tcp-connections": options.TcpConnections = ParseCount(name, Value(args, ref i), min: 0); break;
                case "--udp": options.Udp = ParseCount(name, Value(args, ref i), min: 0); break;
                case "--unix": options.Unix = ParseCount(name, Value(args, ref i), min: 0); break;
                case "--child": options.Child = ParseCount(name, Value(args, ref i), min: 0); break;
                case "--unix-dir": options.UnixDirectory = Value(args, ref i); break;
                case "--tag": options.Tag = Value(args, ref i); break;
                case "--ready-timeout": options.ReadyTimeout = TimeSpan.FromSeconds(ParseCount(name, Value(args, ref i), min: 1)); break;
                case "--until-signal": options.UntilSignal = true; break;
                case "--churn": options.Churn = ParseCount(name, Value(args, ref i), min: 1); break;
                case "--churn-seconds": options.ChurnDuration = TimeSpan.FromSeconds(ParseCount(name, Value(args, ref i), min: 1)); break;
                case "--churn-hold-ms": options.ChurnHold = TimeSpan.FromMilliseconds(ParseCount(name, Value(args, ref i), min: 0)); break;
                default: throw new ArgumentException($"unknown argument '{name}'");
            }
        }

        if (options.IsChild && options.UnixDirectory is null)
        {
            throw new ArgumentException("--child needs --unix-dir");
        }

        return options;
    }

    /// <summary>The share of <paramref name="total"/> that child <paramref name="index"/> of <paramref name="count"/> opens.</summary>
    public static int ShareOf(int total, int index, int count) => total / count + (index < total % count ? 1 : 0);

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new ArgumentException($"{args[i]} needs a value");
        }

        return args[++i];
    }

    private static int ParseCount(string name, string value, int min)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int result) || result < min)
        {
            throw new ArgumentException($"{name} must be an integer >= {min}, got '{value}'");
        }

        return result;
    }
}
