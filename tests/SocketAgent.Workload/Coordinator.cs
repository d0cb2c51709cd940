using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SocketAgent.Workload;

/// <summary>The parent process: starts the children, reports READY, waits, then stops and reaps every child.</summary>
internal sealed class Coordinator : IDisposable
{
    private static readonly TimeSpan s_gracefulStop = TimeSpan.FromSeconds(5);

    private readonly WorkloadOptions _options;
    private readonly List<Process> _children = [];
    private readonly string _unixDirectory;
    private readonly bool _ownsUnixDirectory;

    public Coordinator(WorkloadOptions options)
    {
        _options = options;
        _ownsUnixDirectory = options.UnixDirectory is null;
        _unixDirectory = options.UnixDirectory ?? Path.Combine(Path.GetTempPath(), $"{options.Tag}.{Environment.ProcessId}");
        Directory.CreateDirectory(_unixDirectory);
    }

    /// <summary>Runs until stdin closes or a stop signal arrives. Throws when the workload cannot be set up.</summary>
    public void Run()
    {
        using var stop = new CancellationTokenSource();
        // Cancel = true: we stop the children ourselves (in Dispose) instead of letting the runtime exit at once.
        Action<PosixSignalContext> onSignal = context =>
        {
            context.Cancel = true;
            stop.Cancel();
        };
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, onSignal);
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, onSignal);
        using PosixSignalRegistration sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, onSignal);

        var stopwatch = Stopwatch.StartNew();
        StartChildren();
        int sockets = WaitUntilReady(stop.Token);
        stopwatch.Stop();

        Console.Out.WriteLine($"READY {sockets}");
        Console.Out.Flush();
        Log($"ready: {sockets} sockets in {_children.Count} processes " +
            $"(tcp connections {_options.TcpConnections}, udp {_options.Udp}, unix pairs {_options.Unix}) " +
            $"set up in {stopwatch.ElapsedMilliseconds} ms");

        if (!_options.UntilSignal)
        {
            var stdinWatcher = new Thread(() =>
            {
                using Stream stdin = Console.OpenStandardInput();
                byte[] buffer = new byte[256];
                while (stdin.Read(buffer) > 0)
                {
                }

                stop.Cancel();
            })
            { IsBackground = true, Name = "stdin watcher" };
            stdinWatcher.Start();
        }

        stop.Token.WaitHandle.WaitOne();
        Log("stopping");
    }

    // Started from the main thread on purpose: PR_SET_PDEATHSIG fires when the *thread* that forked a child exits,
    // and the main thread lives until the children are reaped.
    private void StartChildren()
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find own executable");
        bool viaDotnetHost = Path.GetFileNameWithoutExtension(self) == "dotnet";

        for (int i = 0; i < _options.Processes; i++)
        {
            var startInfo = new ProcessStartInfo(self)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,  // closing it tells the child to stop; it also closes if we die
                RedirectStandardOutput = true, // the child's READY/ERROR line
                RedirectStandardError = false, // child diagnostics go straight to our stderr
            };
            if (viaDotnetHost)
            {
                startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SocketAgent.Workload.dll"));
            }

            AddArguments(startInfo.ArgumentList,
                "--child", i,
                "--tcp-connections", WorkloadOptions.ShareOf(_options.TcpConnections, i, _options.Processes),
                "--udp", WorkloadOptions.ShareOf(_options.Udp, i, _options.Processes),
                "--unix", WorkloadOptions.ShareOf(_options.Unix, i, _options.Processes));
            startInfo.ArgumentList.Add("--unix-dir");
            startInfo.ArgumentList.Add(_unixDirectory);
            startInfo.ArgumentList.Add("--tag");
            startInfo.ArgumentList.Add(_options.Tag);
            // The runtime's diagnostics IPC endpoint is a listening UNIX socket per process: keep it out of the counts.
            startInfo.Environment["DOTNET_EnableDiagnostics"] = "0";
            startInfo.Environment[Program.ParentPidVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

            _children.Add(Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start child {i}"));
        }
    }

    private static void AddArguments(IList<string> list, params object[] pairs)
    {
        foreach (object item in pairs)
        {
            list.Add(Convert.ToString(item, CultureInfo.InvariantCulture)!);
        }
    }

    /// <summary>Waits for every child's "READY n" line; returns the sum of n. The first failure ends the wait.</summary>
    private int WaitUntilReady(CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(_options.ReadyTimeout);

        var pending = new Dictionary<Task<string?>, int>();
        for (int i = 0; i < _children.Count; i++)
        {
            pending.Add(_children[i].StandardOutput.ReadLineAsync(timeout.Token).AsTask(), i);
        }

        int sockets = 0;
        while (pending.Count > 0)
        {
            Task<string?> done;
            try
            {
                done = Task.WhenAny(pending.Keys).WaitAsync(timeout.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                throw new TimeoutException($"{pending.Count} of {_children.Count} children not ready after {_options.ReadyTimeout.TotalSeconds:0} s");
            }

            int index = pending[done];
            pending.Remove(done);
            string? line = done.GetAwaiter().GetResult();
            if (line is null || !line.StartsWith("READY ", StringComparison.Ordinal) ||
                !int.TryParse(line.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            {
                string exit = _children[index].WaitForExit(1000) ? $"exit code {_children[index].ExitCode}" : "still running";
                throw new InvalidOperationException($"child {index} failed ({exit}): {line ?? "no output"}");
            }

            sockets += count;
        }

        return sockets;
    }

    private static void Log(string message) => Console.Error.WriteLine($"workload: {message}");

    /// <summary>Stops every child: closes its stdin, waits a moment, kills what is left, and reaps all.</summary>
    public void Dispose()
    {
        foreach (Process child in _children)
        {
            try
            {
                child.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already gone: nothing to tell it.
            }
        }

        var deadline = Stopwatch.StartNew();
        foreach (Process child in _children)
        {
            TimeSpan left = s_gracefulStop - deadline.Elapsed;
            if (!child.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                try
                {
                    child.Kill();
                }
                catch (InvalidOperationException)
                {
                    // Exited between the wait and the kill.
                }

                child.WaitForExit();
            }

            child.Dispose();
        }

        _children.Clear();
        if (_ownsUnixDirectory)
        {
            try
            {
                Directory.Delete(_unixDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
