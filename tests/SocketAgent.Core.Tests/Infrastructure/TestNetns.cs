using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// The one helper for throwaway network namespaces, shared by both test projects (linked into SocketAgent.Tests):
/// one or two named namespaces (<c>ip netns add</c>) with names unique to this instance (tests of several worktrees
/// run on this machine at once), loopback up unless asked otherwise, optionally a veth pair between the first two with
/// addresses that exist only inside them, and ways to run code or commands inside. Dispose ends every process it
/// started and deletes every namespace it made (the veth pair goes with them), also when creation failed half way.
/// </summary>
public sealed partial class TestNetns : IDisposable
{
    private const int CLONE_NEWNET = 0x40000000;

    private readonly List<string> _created = [];
    private readonly List<Process> _processes = [];

    private TestNetns(string id) => Id = id;

    /// <summary>The unique part of every name made here (namespaces, veth ends).</summary>
    public string Id { get; }

    public IReadOnlyList<string> Names => _created;

    public string Name => _created[0];
    public string NameA => _created[0];
    public string NameB => _created[1];
    public string Path => PathOf(Name);
    public string PathA => PathOf(NameA);
    public string PathB => PathOf(NameB);

    /// <summary>The veth end in A (only with a veth pair); interface names are at most 15 bytes.</summary>
    public string VethA => $"sa{Id}a";
    public string VethB => $"sa{Id}b";

    /// <summary>A's address on the veth pair, 10.214.N.1/24.</summary>
    public string AddressA { get; private set; } = "";
    public string AddressB { get; private set; } = "";

    /// <summary>A prefix B routes through A (metric 7), so route tables hold a gateway route of ours.</summary>
    public string RoutedPrefix { get; private set; } = "";

    /// <summary>After <see cref="HoldConnection"/>: the python listener in A, its port, the client in B and its port.</summary>
    public int ServerPid { get; private set; }
    public int Port { get; private set; }
    public int ClientPid { get; private set; }
    public int ClientPort { get; private set; }

    /// <summary>Why namespaces cannot be made here (not root, no <c>ip</c>), or null.</summary>
    public static string? Unavailable() =>
        GetEUid() != 0 ? "creating network namespaces needs root"
        : File.Exists("/usr/sbin/ip") || File.Exists("/sbin/ip") || File.Exists("/usr/bin/ip") ? null
        : "iproute2 (ip) is not installed";

    /// <summary>
    /// Makes <paramref name="count"/> namespaces named <c>sa-PURPOSE-ID-a</c>, <c>-b</c>…, with <paramref name="veth"/>
    /// a veth pair between the first two.
    /// </summary>
    public static TestNetns Create(string purpose, int count = 1, bool veth = false, bool loopbackUp = true)
    {
        if (veth && count < 2)
        {
            throw new ArgumentException("a veth pair needs two namespaces", nameof(veth));
        }
        var netns = new TestNetns(Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..8]);
        try
        {
            for (int i = 0; i < count; i++)
            {
                string name = $"sa-{purpose}-{netns.Id}-{(char)('a' + i)}";
                Run("ip", ["netns", "add", name]);
                netns._created.Add(name);
                if (loopbackUp)
                {
                    Run("ip", ["-n", name, "link", "set", "lo", "up"]);
                }
            }
            if (veth)
            {
                netns.AddVethPair();
            }
            return netns;
        }
        catch
        {
            netns.Dispose();
            throw;
        }
    }

    private void AddVethPair()
    {
        // The subnet only exists inside these namespaces, so another pair with the same number elsewhere does not clash.
        int subnet = Random.Shared.Next(1, 250);
        AddressA = $"10.214.{subnet}.1";
        AddressB = $"10.214.{subnet}.2";
        RoutedPrefix = $"10.215.{subnet}.0/24";
        Run("ip", ["-n", NameA, "link", "add", VethA, "type", "veth", "peer", "name", VethB, "netns", NameB]);
        Run("ip", ["-n", NameA, "addr", "add", $"{AddressA}/24", "dev", VethA]);
        Run("ip", ["-n", NameB, "addr", "add", $"{AddressB}/24", "dev", VethB]);
        // No IPv6 on the veth pair: router solicitations and DAD would move the counters that the netstat parity
        // tests compare at two moments.
        Exec(NameA, $"sysctl -q -w net.ipv6.conf.{VethA}.disable_ipv6=1");
        Exec(NameB, $"sysctl -q -w net.ipv6.conf.{VethB}.disable_ipv6=1");
        Run("ip", ["-n", NameA, "link", "set", VethA, "up"]);
        Run("ip", ["-n", NameB, "link", "set", VethB, "up"]);
        Run("ip", ["-n", NameB, "route", "add", RoutedPrefix, "via", AddressA, "dev", VethB, "metric", "7"]);
    }

    /// <summary>
    /// A python3 TCP listener in A on <see cref="AddressA"/> and a python3 client in B connected to it, both held until
    /// Dispose: sets <see cref="ServerPid"/>, <see cref="Port"/>, <see cref="ClientPid"/>, <see cref="ClientPort"/>.
    /// </summary>
    public TestNetns HoldConnection()
    {
        Process server = StartIn(NameA, "/usr/bin/python3", "-c",
            "import socket,sys\ns=socket.socket()\ns.bind((sys.argv[1],0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nc,_=s.accept()\nsys.stdin.read()",
            AddressA);
        ServerPid = server.Id;
        Port = int.Parse(server.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        Process client = StartIn(NameB, "/usr/bin/python3", "-c",
            "import socket,sys\nc=socket.create_connection((sys.argv[1],int(sys.argv[2])))\nprint(c.getsockname()[1],flush=True)\nsys.stdin.read()",
            AddressA, Port.ToString(CultureInfo.InvariantCulture));
        ClientPid = client.Id;
        ClientPort = int.Parse(client.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        return this;
    }

    public static string PathOf(string name) => "/run/netns/" + name;

    /// <summary>The namespace's nsfs inode, as <c>stat -L</c> reports it for <c>/run/netns/NAME</c>.</summary>
    public static ulong Inode(string name) =>
        ulong.Parse(Run("stat", ["-L", "-c", "%i", PathOf(name)]).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Runs <c>ip -n NAME args…</c> in the first namespace.</summary>
    public void IpIn(params string[] arguments) => Run("ip", ["-n", Name, .. arguments]);

    /// <summary>Runs <paramref name="command"/> (split on spaces) inside namespace <paramref name="name"/>; returns its stdout.</summary>
    public static string Exec(string name, string command) =>
        Run("ip", ["netns", "exec", name, .. command.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

    /// <summary>
    /// Starts <paramref name="file"/> inside namespace <paramref name="name"/> with stdin and stdout redirected, and
    /// returns once it is in there (ip netns exec execs it after setns). It is ended on Dispose: stdin closed, then killed.
    /// </summary>
    public Process StartIn(string name, string file, params string[] arguments)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in new[] { "netns", "exec", name, file }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }
        Process process = Process.Start(info)!;
        _processes.Add(process);
        string target = $"net:[{Inode(name)}]";
        var clock = Stopwatch.StartNew();
        while (ReadLink($"/proc/{process.Id}/ns/net") != target && !process.HasExited)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"{file} did not enter {name} within 10 s");
            }
            Thread.Sleep(5);
        }
        return process;
    }

    /// <summary>Runs <paramref name="action"/> on a new thread that joined the first namespace; rethrows what it threw.</summary>
    public T RunInside<T>(Func<T> action) => RunIn(Path, action);

    public void RunInside(Action action) => RunIn(Path, () =>
    {
        action();
        return true;
    });

    /// <summary>
    /// Runs <paramref name="action"/> on a new dedicated thread that joined namespace <paramref name="path"/> with
    /// setns(CLONE_NEWNET); the thread ends afterwards, so no pooled thread is left in the namespace.
    /// </summary>
    public static T RunIn<T>(string path, Func<T> action)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using SafeFileHandle ns = File.OpenHandle(path);
                if (SetNs((int)ns.DangerousGetHandle(), CLONE_NEWNET) != 0)
                {
                    throw new IOException($"setns({path}) failed: errno {Marshal.GetLastPInvokeError()}");
                }
                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }
        return result!;
    }

    /// <summary>Runs a program, returns its stdout, throws with its stderr if it failed.</summary>
    public static string Run(string program, string arguments) =>
        Run(program, arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    public static string Run(string program, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(info)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr.Result}");
        }
        return stdout;
    }

    public void Dispose()
    {
        foreach (Process process in _processes)
        {
            try
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(1000))
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                }
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                // It has already exited.
            }
            process.Dispose();
        }
        _processes.Clear();
        foreach (string name in _created)
        {
            try
            {
                Run("ip", ["netns", "del", name]); // takes the veth end in it, and with it the peer
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
        _created.Clear();
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEUid();
}
