using System.Diagnostics;
using System.Globalization;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// A python3 process that opens a TCP listener and a UNIX socket, forks (so parent and child hold both), prints
/// "parentPid childPid port listenerFd unixFd" and waits for stdin to close. Dispose closes stdin, kills and reaps both.
/// </summary>
internal sealed class ForkingPython : IDisposable
{
    public const string Interpreter = "/usr/bin/python3";

    public const string Script =
        "import os, socket, sys\n" +
        "l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen()\n" +
        "u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); u.bind('\\0socket-agent-test-%d' % os.getpid()); u.listen()\n" +
        "pid = os.fork()\n" +
        "if pid == 0:\n" +
        "    sys.stdin.read(); os._exit(0)\n" +
        "print(os.getpid(), pid, l.getsockname()[1], l.fileno(), u.fileno(), flush=True)\n" +
        "sys.stdin.read(); os.waitpid(pid, 0)\n";

    private readonly Process _process;

    private ForkingPython(Process process, string[] fields)
    {
        _process = process;
        ParentPid = int.Parse(fields[0], CultureInfo.InvariantCulture);
        ChildPid = int.Parse(fields[1], CultureInfo.InvariantCulture);
        Port = int.Parse(fields[2], CultureInfo.InvariantCulture);
        ListenerFd = int.Parse(fields[3], CultureInfo.InvariantCulture);
        UnixFd = int.Parse(fields[4], CultureInfo.InvariantCulture);
    }

    public int ParentPid { get; }
    public int ChildPid { get; }
    public int Port { get; }
    public int ListenerFd { get; }
    public int UnixFd { get; }

    public static ForkingPython Start(IEnumerable<string> extraArgs)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        foreach (string arg in extraArgs)
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start)!;
        try
        {
            Task<string?> line = process.StandardOutput.ReadLineAsync();
            if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result is not { } text)
            {
                throw new InvalidOperationException("python3 did not report its sockets");
            }
            return new ForkingPython(process, text.Split(' '));
        }
        catch
        {
            Kill(process);
            throw;
        }
    }

    public void Dispose() => Kill(_process);

    private static void Kill(Process process)
    {
        try
        {
            process.StandardInput.Close(); // both python processes exit on EOF
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
        }
        finally
        {
            process.Dispose();
        }
    }
}
