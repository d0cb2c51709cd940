using System.Diagnostics;
using System.Globalization;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// Real cgroups under a test's own directory of a mounted hierarchy, laid out as a runtime makes them, with real
/// listening processes moved into them. <see cref="Dispose"/> kills the processes and removes the groups (deepest
/// first, once empty). Needs root.
/// </summary>
internal sealed class CgroupSandbox : IDisposable
{
    private readonly List<string> _created = [];
    private readonly List<Process> _listeners = [];

    /// <summary>The test's own directory under the hierarchy's root: every group it makes is below it.</summary>
    public string Name { get; } = $"socket-agent-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40];

    /// <summary>Where the hierarchy is mounted: <c>v2</c> is cgroup2 (hybrid or unified), <c>v1</c> v1's name=systemd.</summary>
    public static string? Mount(string hierarchy)
    {
        foreach (string entry in File.ReadAllLines("/proc/mounts"))
        {
            string[] fields = entry.Split(' ');
            if (fields.Length < 4)
            {
                continue;
            }
            if (hierarchy == "v2" && fields[2] == "cgroup2")
            {
                return fields[1];
            }
            if (hierarchy == "v1" && fields[2] == "cgroup" && fields[3].Split(',').Contains("name=systemd"))
            {
                return fields[1];
            }
        }
        return null;
    }

    /// <summary>Makes <paramref name="path"/> (and its missing parents) under <see cref="Name"/> of <paramref name="mount"/>; returns its directory.</summary>
    public string Create(string mount, string path)
    {
        string current = mount;
        foreach (string part in Path.Combine(Name, path).Split('/'))
        {
            current = Path.Combine(current, part);
            if (!Directory.Exists(current))
            {
                Directory.CreateDirectory(current);
                _created.Add(current);
            }
        }
        return current;
    }

    /// <summary>A python process listening on 127.0.0.1 (a free port), killed at <see cref="Dispose"/>.</summary>
    public (Process Listener, int Port) StartListener()
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("import socket,sys,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)");
        Process listener = Process.Start(info)!;
        _listeners.Add(listener);
        int port = int.Parse(listener.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        return (listener, port);
    }

    /// <summary>A python listener that enters <paramref name="cgroup"/> before it execs, so no reader ever sees it outside.</summary>
    public (Process Listener, int Port) StartListenerIn(string cgroup)
    {
        var info = new ProcessStartInfo("sh") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in new[] { "-c", "echo $$ > \"$1/cgroup.procs\" && exec python3 -c \"$0\"",
            "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)", cgroup })
        {
            info.ArgumentList.Add(arg);
        }
        Process listener = Process.Start(info)!;
        _listeners.Add(listener);
        return (listener, int.Parse(listener.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture));
    }

    /// <summary>A process the test started itself, killed at <see cref="Dispose"/> like the listeners.</summary>
    public void Track(Process process) => _listeners.Add(process);

    /// <summary>Moves <paramref name="process"/> into the group at <paramref name="cgroup"/> (a directory <see cref="Create"/> returned).</summary>
    public static void MoveInto(string cgroup, Process process) =>
        File.WriteAllText(Path.Combine(cgroup, "cgroup.procs"), process.Id.ToString(CultureInfo.InvariantCulture));

    public void Dispose()
    {
        foreach (Process listener in _listeners)
        {
            try
            {
                listener.Kill();
                listener.WaitForExit();
            }
            catch (InvalidOperationException)
            {
            }
            listener.Dispose();
        }
        // A cgroup can be removed once empty: the deepest first, after its processes exited.
        for (int i = _created.Count - 1; i >= 0; i--)
        {
            for (int attempt = 0; attempt < 50 && Directory.Exists(_created[i]); attempt++)
            {
                try
                {
                    Directory.Delete(_created[i]);
                }
                catch (IOException)
                {
                    Thread.Sleep(20); // the killed process is still leaving it
                }
            }
        }
    }
}
