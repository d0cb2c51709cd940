using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace SocketAgent.Tests.Collection.Namespaces;

/// <summary>
/// Two throwaway network namespaces made with <c>ip netns add</c>, joined by a veth pair (10.x addresses that exist
/// only inside them), and a <c>sleep</c> living in the first. Everything is removed in <see cref="Dispose"/>, also
/// when creation fails half way.
/// </summary>
internal sealed class NamespacePair : IDisposable
{
    private readonly List<string> _created = [];

    private NamespacePair(string suffix, int subnet)
    {
        NameA = $"sa-ns-{suffix}-a";
        NameB = $"sa-ns-{suffix}-b";
        AddressA = IPAddress.Parse($"10.213.{subnet}.1");
        AddressB = IPAddress.Parse($"10.213.{subnet}.2");
    }

    public string NameA { get; }
    public string NameB { get; }
    public IPAddress AddressA { get; }
    public IPAddress AddressB { get; }
    public Process? Sleeper { get; private set; }

    /// <summary>Why the pair cannot be made here (not root, no <c>ip</c>), or null.</summary>
    public static string? Unavailable()
    {
        if (SocketAgent.Interop.Sys.GetEUid() != 0)
        {
            return "creating network namespaces needs root";
        }
        return File.Exists("/usr/sbin/ip") || File.Exists("/sbin/ip") || File.Exists("/usr/bin/ip") ? null : "iproute2 (ip) is not installed";
    }

    public static NamespacePair Create()
    {
        string suffix = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))[..6];
        var pair = new NamespacePair(suffix, Random.Shared.Next(1, 255));
        try
        {
            pair.Build(suffix);
            return pair;
        }
        catch
        {
            pair.Dispose();
            throw;
        }
    }

    public string PathA => $"/run/netns/{NameA}";
    public string PathB => $"/run/netns/{NameB}";

    /// <summary>The inode <c>stat -L -c %i</c> reports for a named namespace.</summary>
    public static ulong StatInode(string path) => ulong.Parse(Ip("stat", $"-L -c %i {path}").Trim(), CultureInfo.InvariantCulture);

    private void Build(string suffix)
    {
        IpNetns($"add {NameA}");
        _created.Add(NameA);
        IpNetns($"add {NameB}");
        _created.Add(NameB);

        // Interface names are limited to 15 bytes.
        string vethA = $"sa{suffix}a", vethB = $"sa{suffix}b";
        Ip("ip", $"link add {vethA} netns {NameA} type veth peer name {vethB} netns {NameB}");
        Ip("ip", $"-n {NameA} addr add {AddressA}/24 dev {vethA}");
        Ip("ip", $"-n {NameB} addr add {AddressB}/24 dev {vethB}");
        Ip("ip", $"-n {NameA} link set {vethA} up");
        Ip("ip", $"-n {NameB} link set {vethB} up");
        Ip("ip", $"-n {NameA} link set lo up");

        Sleeper = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", NameA, "sleep", "60"]) { UseShellExecute = false })!;
        // ip netns exec execs sleep after setns: wait until the pid shows the new namespace.
        string target = $"net:[{StatInode(PathA)}]";
        var clock = Stopwatch.StartNew();
        while (ReadLink($"/proc/{Sleeper.Id}/ns/net") != target)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10) || Sleeper.HasExited)
            {
                throw new InvalidOperationException($"sleep did not enter {NameA}");
            }
            Thread.Sleep(5);
        }
    }

    public void Dispose()
    {
        if (Sleeper is not null)
        {
            try
            {
                if (!Sleeper.HasExited)
                {
                    Sleeper.Kill();
                    Sleeper.WaitForExit();
                }
            }
            catch (InvalidOperationException)
            {
            }
            Sleeper.Dispose();
        }
        foreach (string name in _created)
        {
            // Deleting a namespace removes the veth end in it, and with it the peer.
            TryRun("ip", $"netns del {name}");
        }
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void IpNetns(string args) => Ip("ip", "netns " + args);

    private static string Ip(string file, string args)
    {
        (int code, string output, string error) = Run(file, args);
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {args} failed ({code}): {error}");
        }
        return output;
    }

    private static void TryRun(string file, string args) => Run(file, args);

    private static (int Code, string Output, string Error) Run(string file, string args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
