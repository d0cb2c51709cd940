using System.Collections.Concurrent;
using System.Diagnostics;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Daemon;

/// <summary>
/// The real <c>socket-agent</c> running as a daemon (a child process): stdout lines as they come, stderr kept,
/// and a stop by SIGTERM — what systemd sends.
/// </summary>
internal sealed class DaemonProcess : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new();
    private readonly List<string> _allLines = [];
    private readonly System.Text.StringBuilder _error = new();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private bool _endsWithNewline = true;

    private DaemonProcess(Process process)
    {
        _process = process;
        _stdoutPump = Task.Run(PumpStdoutAsync);
        // Line by line, so that a test can follow what the agent says while it runs.
        _stderrPump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is string line)
            {
                lock (_error)
                {
                    _error.Append(line).Append('\n');
                }
            }
        });
    }

    public int Id => _process.Id;

    /// <param name="args">The agent's arguments.</param>
    /// <param name="environment">Extra environment variables.</param>
    /// <param name="launcher">A command that runs the agent (setpriv with its options, ending with --), or null.</param>
    public static DaemonProcess Start(string[] args, IReadOnlyDictionary<string, string>? environment = null, string[]? launcher = null)
    {
        ProcessStartInfo info = CreateStartInfo(args, environment, launcher);
        return new DaemonProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start socket-agent"));
    }

    /// <summary>The effective settings for <paramref name="args"/> (<c>--print-config</c>), which must be accepted.</summary>
    public static System.Text.Json.JsonElement PrintConfig(string[] args, Dictionary<string, string>? environment = null)
    {
        AgentProcess.Result result = Run([.. args, "--print-config"], environment);
        Assert.True(result.ExitCode == 0, result.StandardError);
        using var document = System.Text.Json.JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.Clone();
    }

    /// <summary>Runs a command that ends by itself (--print-config, a refused setting), with an environment.</summary>
    public static AgentProcess.Result Run(string[] args, IReadOnlyDictionary<string, string>? environment = null, string[]? launcher = null)
    {
        using Process process = Process.Start(CreateStartInfo(args, environment, launcher)) ?? throw new InvalidOperationException("could not start socket-agent");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"socket-agent {string.Join(' ', args)} did not finish");
        }
        return new AgentProcess.Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static ProcessStartInfo CreateStartInfo(string[] args, IReadOnlyDictionary<string, string>? environment, string[]? launcher = null)
    {
        // SOCKET_AGENT_BIN runs the native AOT binary instead of the JIT build (tests/run-tests.sh does, for the
        // Kafka delivery tests: Confluent.Kafka's native bindings are what trimming could break).
        string? native = Environment.GetEnvironmentVariable("SOCKET_AGENT_BIN");
        string program = string.IsNullOrEmpty(native) ? "dotnet" : native;
        var info = new ProcessStartInfo(launcher is { Length: > 0 } ? launcher[0] : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        // The test runner's own SOCKETAGENT_* (if any) must not leak into the settings under test.
        foreach (string name in info.Environment.Keys.Where(static k => k.StartsWith("SOCKETAGENT_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        if (launcher is { Length: > 0 })
        {
            foreach (string arg in launcher.Skip(1))
            {
                info.ArgumentList.Add(arg);
            }
            info.ArgumentList.Add(program);
        }
        if (string.IsNullOrEmpty(native))
        {
            info.ArgumentList.Add(AgentProcess.AssemblyPath);
        }
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }

    /// <summary>The next stdout line, or null when stdout ended or <paramref name="timeout"/> passed.</summary>
    public string? ReadLine(TimeSpan timeout) =>
        _lines.TryTake(out string? line, timeout) ? line : null;

    /// <summary>Reads lines until <paramref name="predicate"/> accepts one; every line read is in <see cref="AllLines"/>.</summary>
    public string WaitForLine(Func<string, bool> predicate, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            string? line = ReadLine(deadline - DateTime.UtcNow);
            if (line is null)
            {
                break;
            }
            if (predicate(line))
            {
                return line;
            }
        }
        throw new TimeoutException($"no matching line in {timeout}; stderr: {StandardError}");
    }

    /// <summary>SIGKILL: the agent dies mid-stream, with no flush and no final save (a crash, an OOM kill).</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
        _stdoutPump.Wait(TimeSpan.FromSeconds(10));
    }

    /// <summary>Sends a signal by name (<c>HUP</c>, <c>USR1</c>…) with kill(1), as an operator or logrotate would.</summary>
    public void Signal(string name)
    {
        using Process kill = Process.Start("kill", [$"-{name}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Whether the agent is still running.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>SIGTERM, then the exit code; fails the test when the agent does not stop within <paramref name="timeout"/>.</summary>
    public int Terminate(TimeSpan timeout)
    {
        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"socket-agent did not stop within {timeout} of SIGTERM");
        }
        _process.WaitForExit();
        _stdoutPump.Wait(TimeSpan.FromSeconds(10));
        _stderrPump.Wait(TimeSpan.FromSeconds(10));
        return _process.ExitCode;
    }

    /// <summary>Every stdout line so far (complete after <see cref="Terminate"/>).</summary>
    public IReadOnlyList<string> AllLines
    {
        get
        {
            lock (_allLines)
            {
                return [.. _allLines];
            }
        }
    }

    /// <summary>Whether stdout ended with a newline (no half-written line).</summary>
    public bool EndedWithNewline => _endsWithNewline;

    public string StandardError
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    private async Task PumpStdoutAsync()
    {
        // Read raw chars, not ReadLine: a last line without its newline must be seen as such.
        var pending = new System.Text.StringBuilder();
        char[] buffer = new char[1 << 16];
        int read;
        while ((read = await _process.StandardOutput.ReadAsync(buffer)) > 0)
        {
            for (int i = 0; i < read; i++)
            {
                if (buffer[i] == '\n')
                {
                    string line = pending.ToString();
                    pending.Clear();
                    lock (_allLines)
                    {
                        _allLines.Add(line);
                    }
                    _lines.Add(line);
                }
                else
                {
                    pending.Append(buffer[i]);
                }
            }
        }
        _endsWithNewline = pending.Length == 0;
        _lines.CompleteAdding();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        _lines.Dispose();
    }
}
