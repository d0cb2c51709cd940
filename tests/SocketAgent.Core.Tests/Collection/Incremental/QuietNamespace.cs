using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SocketAgent.Tests.Collection.Incremental;

/// <summary>
/// A throwaway network namespace (<c>ip netns add</c>) with loopback up, and a dedicated thread inside it: the live
/// tests need a TCP table that only they change, or the counters other tests move would make every cycle full.
/// </summary>
internal sealed class QuietNamespace : IDisposable
{
    private QuietNamespace(string name) => Name = name;

    public string Name { get; }

    public static string? Unavailable() =>
        SocketAgent.Interop.Sys.GetEUid() != 0 ? "creating network namespaces needs root"
        : File.Exists("/usr/sbin/ip") || File.Exists("/sbin/ip") || File.Exists("/usr/bin/ip") ? null
        : "iproute2 (ip) is not installed";

    public static QuietNamespace Create()
    {
        var ns = new QuietNamespace($"sa-incr-{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))[..6]}");
        Ip($"netns add {ns.Name}");
        try
        {
            Ip($"-n {ns.Name} link set lo up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>Runs <paramref name="body"/> on a new thread that entered the namespace, and rethrows what it threw.</summary>
    public void Run(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/run/netns/{Name}");
                if (SocketAgent.Interop.Sys.SetNs((int)handle.DangerousGetHandle(), SocketAgent.Interop.Sys.CLONE_NEWNET) != 0)
                {
                    throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
                }
                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    public void Dispose()
    {
        try
        {
            Ip($"netns delete {Name}");
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static void Ip(string arguments)
    {
        using Process ip = Process.Start(new ProcessStartInfo("ip", arguments) { UseShellExecute = false, RedirectStandardError = true })!;
        string error = ip.StandardError.ReadToEnd();
        ip.WaitForExit();
        if (ip.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {arguments}: {error}");
        }
    }
}
