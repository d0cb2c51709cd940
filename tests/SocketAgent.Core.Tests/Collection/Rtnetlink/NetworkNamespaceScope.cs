using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SocketAgent.Tests.Collection.Rtnetlink;

/// <summary>
/// A named network namespace (<c>ip netns add sa-rtnl-…</c>) for one test, deleted on Dispose even when the test
/// failed, and a way to run code inside it: a new dedicated thread joins it with setns(CLONE_NEWNET) and dies after.
/// </summary>
internal sealed partial class NetworkNamespaceScope : IDisposable
{
    private const int CLONE_NEWNET = 0x40000000;

    private NetworkNamespaceScope(string name) => Name = name;

    public string Name { get; }

    public string Path => "/run/netns/" + Name;

    public static NetworkNamespaceScope Create()
    {
        var scope = new NetworkNamespaceScope("sa-rtnl-" + Guid.NewGuid().ToString("N")[..10]);
        Ip("netns", "add", scope.Name);
        return scope;
    }

    /// <summary>Runs <c>ip -n NAME args…</c>.</summary>
    public void IpIn(params string[] arguments) => Ip(["-n", Name, .. arguments]);

    public static void Ip(params string[] arguments)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)}: {error}");
        }
    }

    /// <summary>Runs <paramref name="action"/> on a new thread that has joined namespace <paramref name="path"/>.</summary>
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

    public T RunInside<T>(Func<T> action) => RunIn(Path, action);

    public void Dispose()
    {
        try
        {
            Ip("netns", "del", Name);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
