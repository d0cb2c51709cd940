using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;
using SocketAgent.Output.Netstat;

namespace SocketAgent.Tests.Output.Netstat;

/// <summary>
/// Live comparison with the installed netstat: this process opens known sockets, reads /proc/net itself (with the
/// throwaway parser) and runs netstat at the same moment; the header lines and every row of OUR sockets must be
/// byte-identical. Other sockets on the host may come and go, so only ours are compared.
/// </summary>
public sealed class NetstatLiveComparisonTests
{
    private const string NetstatPath = "/usr/bin/netstat";

    [Theory]
    [InlineData("-tuwxan")]
    [InlineData("-tuwxl")]
    [InlineData("-tlnp")]
    [InlineData("-tuanpW")]
    [InlineData("-xan")]
    [InlineData("-xap")]
    [InlineData("-tuanee")]
    [InlineData("-tua")]
    [InlineData("-tuae")]
    public async Task OurSockets_PrintExactlyAsNetstatPrintsThem(string flags)
    {
        Assert.SkipUnless(File.Exists(NetstatPath), "net-tools netstat is not installed");
        using var sockets = LiveSockets.Open();

        string netstat = RunNetstat(flags);
        List<SocketRecord> ours = ProcNetFixture.ReadLive()
            .Where(r => sockets.Inodes.Contains(r.Inode))
            .ToList();
        Assert.True(ours.Count >= sockets.Inodes.Count - 1, $"found {ours.Count} of our {sockets.Inodes.Count} sockets in /proc/net");

        string mine = await RenderAsync(NetstatFlags.Parse(flags), ours, sockets.Inodes);

        var netstatLines = new HashSet<string>(netstat.Split('\n'), StringComparer.Ordinal);
        string[] mineLines = mine.TrimEnd('\n').Split('\n');
        Assert.True(mineLines.Length > 2, "nothing rendered");
        foreach (string line in mineLines)
        {
            Assert.True(netstatLines.Contains(line), $"line not in netstat {flags} output:\n[{line}]\n--- netstat:\n{netstat}");
        }
        Assert.StartsWith(mineLines[0] + "\n" + mineLines[1] + "\n", netstat, StringComparison.Ordinal);
    }

    private static async Task<string> RenderAsync(NetstatOptions options, List<SocketRecord> sockets, HashSet<ulong> inodes)
    {
        var me = new ProcessInfo
        {
            Pid = Environment.ProcessId,
            Name = File.ReadAllText("/proc/self/comm").TrimEnd('\n'),
            Args = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0'),
        };
        var snapshot = new SocketSnapshot
        {
            Timestamp = DateTimeOffset.UtcNow,
            Host = new HostIdentity(Environment.MachineName, null),
            Sockets = sockets,
            Owners = new SocketOwners(inodes.ToDictionary(i => i, _ => new[] { me }), 1, 0),
            Source = "procfs",
        };
        INameResolver names = options.Numeric
            ? NumericNameResolver.Instance
            : new SystemNameResolver(DnsHostNameLookup.Instance, ServiceNameTable.Load(), PasswdName);
        var output = new StringWriter(CultureInfo.InvariantCulture);
        await new NetstatTableWriter(options, names).WriteAsync(snapshot, output, TestContext.Current.CancellationToken);
        return output.ToString();
    }

    private static string? PasswdName(uint uid)
    {
        foreach (string line in File.ReadLines("/etc/passwd"))
        {
            string[] f = line.Split(':');
            if (f.Length > 2 && f[2] == uid.ToString(CultureInfo.InvariantCulture))
            {
                return f[0];
            }
        }
        return null;
    }

    private static string RunNetstat(string flags)
    {
        var start = new ProcessStartInfo(NetstatPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in flags.Split(' '))
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        _ = stderr.Result;
        return stdout;
    }

    /// <summary>Sockets of every kind netstat shows, owned by this process, and their inodes.</summary>
    private sealed class LiveSockets : IDisposable
    {
        private readonly List<Socket> _sockets = [];
        private readonly string _directory = Path.Combine("/tmp", "sa-netstat-" + Guid.NewGuid().ToString("N")[..8]);

        public HashSet<ulong> Inodes { get; } = [];

        public static LiveSockets Open()
        {
            var s = new LiveSockets();
            try
            {
                s.OpenAll();
            }
            catch
            {
                s.Dispose();
                throw;
            }
            return s;
        }

        private void OpenAll()
        {
            // TCP v4: listener + established pair.
            Socket listen4 = Keep(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            listen4.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listen4.Listen();
            Socket client4 = Keep(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            client4.Connect(listen4.LocalEndPoint!);
            Keep(listen4.Accept());

            // TCP v6 dual-stack listener on ::, an IPv6 client over ::1 and an IPv4 client (seen as ::ffff:127.0.0.1).
            Socket listen6 = Keep(new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true });
            listen6.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
            listen6.Listen();
            int port6 = ((IPEndPoint)listen6.LocalEndPoint!).Port;
            Socket client6 = Keep(new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp));
            client6.Connect(new IPEndPoint(IPAddress.IPv6Loopback, port6));
            Keep(listen6.Accept());
            Socket mapped = Keep(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            mapped.Connect(new IPEndPoint(IPAddress.Loopback, port6));
            Keep(listen6.Accept());

            // UDP: bound v4 and v6, and a connected v4 client.
            Socket udp4 = Keep(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            udp4.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            Socket udpClient = Keep(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            udpClient.Connect(udp4.LocalEndPoint!);
            Socket udp6 = Keep(new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp));
            udp6.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));

            // Raw ICMP needs CAP_NET_RAW.
            if (Environment.IsPrivilegedProcess)
            {
                Keep(new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp));
            }

            // UNIX: stream listener with a path + accepted connection, abstract listener, bound dgram.
            Directory.CreateDirectory(_directory);
            Socket unixListen = Keep(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
            unixListen.Bind(new UnixDomainSocketEndPoint(Path.Combine(_directory, "stream.sock")));
            unixListen.Listen();
            Socket unixClient = Keep(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
            unixClient.Connect(new UnixDomainSocketEndPoint(Path.Combine(_directory, "stream.sock")));
            Keep(unixListen.Accept());
            Socket abstractListen = Keep(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
            abstractListen.Bind(new UnixDomainSocketEndPoint("\0sa-netstat-" + Guid.NewGuid().ToString("N")));
            abstractListen.Listen();
            Socket dgram = Keep(new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified));
            dgram.Bind(new UnixDomainSocketEndPoint(Path.Combine(_directory, "dgram.sock")));

            foreach (Socket socket in _sockets)
            {
                Inodes.Add(InodeOf(socket));
            }
        }

        private Socket Keep(Socket socket)
        {
            _sockets.Add(socket);
            return socket;
        }

        private static ulong InodeOf(Socket socket)
        {
            string target = new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget!; // "socket:[N]"
            return ulong.Parse(target.AsSpan(8, target.Length - 9), CultureInfo.InvariantCulture);
        }

        public void Dispose()
        {
            foreach (Socket socket in _sockets)
            {
                socket.Dispose();
            }
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }
}
