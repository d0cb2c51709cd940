using System.Diagnostics;
using System.Globalization;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// Two throwaway network namespaces joined by a veth pair, with addresses (10.214.N.0/24, only inside them), an
/// extra route in B through A, a python3 TCP listener living in A and a python3 client in B connected to it.
/// Everything — processes, namespaces — is removed on Dispose, also when creation fails half way.
/// </summary>
public sealed class TwoNamespaces : IDisposable
{
    private readonly List<Process> _processes = [];
    private readonly List<string> _namespaces = [];

    public TwoNamespaces()
    {
        string suffix = Random.Shared.Next(0x100000, 0xFFFFFF).ToString("x", CultureInfo.InvariantCulture);
        int subnet = Random.Shared.Next(1, 250);
        NameA = $"sa-e2e-{suffix}-a";
        NameB = $"sa-e2e-{suffix}-b";
        AddressA = $"10.214.{subnet}.1";
        AddressB = $"10.214.{subnet}.2";
        RoutedPrefix = $"10.215.{subnet}.0/24";
        try
        {
            Ip($"netns add {NameA}");
            _namespaces.Add(NameA);
            Ip($"netns add {NameB}");
            _namespaces.Add(NameB);
            Ip($"-n {NameA} link add va type veth peer name vb netns {NameB}");
            Ip($"-n {NameA} addr add {AddressA}/24 dev va");
            Ip($"-n {NameB} addr add {AddressB}/24 dev vb");
            // No IPv6 on the veth pair: router solicitations and DAD would move the counters that the netstat
            // parity tests compare at two moments.
            Run("ip", $"netns exec {NameA} sysctl -q -w net.ipv6.conf.va.disable_ipv6=1");
            Run("ip", $"netns exec {NameB} sysctl -q -w net.ipv6.conf.vb.disable_ipv6=1");
            Ip($"-n {NameA} link set va up");
            Ip($"-n {NameB} link set vb up");
            Ip($"-n {NameA} link set lo up");
            Ip($"-n {NameB} link set lo up");
            Ip($"-n {NameB} route add {RoutedPrefix} via {AddressA} dev vb metric 7");

            Process server = StartIn(NameA,
                "import socket,sys\ns=socket.socket()\ns.bind((sys.argv[1],0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nc,_=s.accept()\nsys.stdin.read()",
                AddressA);
            ServerPid = server.Id;
            Port = int.Parse(server.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);

            Process client = StartIn(NameB,
                "import socket,sys\nc=socket.create_connection((sys.argv[1],int(sys.argv[2])))\nprint(c.getsockname()[1],flush=True)\nsys.stdin.read()",
                AddressA, Port.ToString(CultureInfo.InvariantCulture));
            ClientPid = client.Id;
            ClientPort = int.Parse(client.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string NameA { get; }
    public string NameB { get; }
    public string AddressA { get; }
    public string AddressB { get; }
    public string RoutedPrefix { get; }
    public int Port { get; }
    public int ClientPort { get; }
    public int ServerPid { get; }
    public int ClientPid { get; }

    /// <summary>Why namespaces cannot be made here, or null.</summary>
    public static string? Unavailable() =>
        Environment.UserName != "root" ? "creating network namespaces needs root"
        : !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") ? "iproute2 (ip) is not installed"
        : null;

    /// <summary>The namespace's nsfs inode, as <c>stat -L</c> reports it for <c>/run/netns/NAME</c>.</summary>
    public static ulong Inode(string name) =>
        ulong.Parse(Run("stat", $"-L -c %i /run/netns/{name}").Trim(), CultureInfo.InvariantCulture);

    /// <summary>Runs <paramref name="command"/> inside namespace <paramref name="name"/> and returns its stdout.</summary>
    public static string Exec(string name, string command) => Run("ip", $"netns exec {name} {command}");

    private Process StartIn(string ns, string script, params string[] args)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "netns", "exec", ns, "/usr/bin/python3", "-c", script }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }
        Process process = Process.Start(info)!;
        _processes.Add(process);
        return process;
    }

    private static void Ip(string arguments) => Run("ip", arguments);

    public static string Run(string program, string arguments)
    {
        var info = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using Process process = Process.Start(info)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {arguments} failed ({process.ExitCode}): {stderr.Result}");
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
                if (!process.WaitForExit(3000))
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                }
            }
            catch (InvalidOperationException) { }
            process.Dispose();
        }
        foreach (string ns in _namespaces)
        {
            try
            {
                Ip($"netns del {ns}");
            }
            catch (InvalidOperationException) { }
        }
    }
}
