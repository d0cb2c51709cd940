using System.Globalization;
using System.Net;
using SocketAgent.Model;
using SocketAgent.Encoders.Netstat;

namespace SocketAgent.Tests.Encoders.Netstat;

/// <summary>
/// The whole output of the installed netstat (net-tools 2.10), captured in a fresh network namespace holding only a
/// known set of sockets (TCP v4/v6 listeners, established pairs, a pending connection, an IPv4 client of a
/// dual-stack listener, long IPv6 addresses, UDP bound/connected, raw ICMP/ICMPv6/255, UNIX stream/dgram/seqpacket,
/// abstract, a path with a space, an unaccepted connection, a socketpair), together with the /proc/net files it read.
/// Our writer, fed the same files, must print the same bytes.
/// </summary>
public sealed class NetstatFixtureTests
{
    private static readonly string s_dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "netstat", "netns");

    [Theory]
    [InlineData("-tuwxan")]
    [InlineData("-tuwxa")]
    [InlineData("-tuwxl")]
    [InlineData("-tuwxln")]
    [InlineData("-tun")]
    [InlineData("-tu")]
    [InlineData("-tlnp")]
    [InlineData("-tuwanp")]
    [InlineData("-tuwanpW")]
    [InlineData("-tuwaW")]
    [InlineData("-tuanee")]
    [InlineData("-tuane")]
    [InlineData("-tuae")]
    [InlineData("-xap")]
    [InlineData("-xanp")]
    [InlineData("-xl")]
    [InlineData("-x")]
    [InlineData("-4tuwan")]
    [InlineData("-6tuwan")]
    [InlineData("--numeric-hosts -tuwa")]
    [InlineData("--numeric-ports -tuwa")]
    [InlineData("--numeric-users -tuae")]
    [InlineData("-an")]
    public async Task Output_IsByteIdenticalToNetstat(string flags)
    {
        NetstatOptions options = NetstatFlags.Parse(flags);
        string expected = File.ReadAllText(Path.Combine(s_dir, "netstat" + flags.Replace(' ', '_') + ".txt"));

        string actual = await RenderAsync(options);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task CommandLine_ReplacesTheCutProgramNameWithTheFullCommandLine()
    {
        string actual = await RenderAsync(NetstatFlags.Parse("-tln --cmdline"));

        string pid = File.ReadAllText(Path.Combine(s_dir, "pid")).Trim();
        Assert.Contains($"tcp        1      0 127.0.0.1:22            0.0.0.0:*               LISTEN      {pid}/python3 /tmp/nsexp/exp.py -tuwxan\n", actual);
        Assert.Contains(" PID/Program name    \n", actual);
    }

    private static async Task<string> RenderAsync(NetstatOptions options)
    {
        List<SocketRecord> sockets = ProcNetFixture.ReadAll(name => File.ReadAllText(Path.Combine(s_dir, "proc-" + name)));
        var snapshot = new SocketSnapshot
        {
            Timestamp = DateTimeOffset.UnixEpoch,
            Host = new HostIdentity("vm", null),
            Sockets = sockets,
            Owners = OwnersOfEverySocket(sockets),
            Source = "procfs",
        };
        // The capture machine's /etc/services and /etc/protocols are kept with the fixture; its /etc/hosts maps
        // 127.0.0.1 to localhost and nothing else, and uid 0 is root.
        var names = new SystemNameResolver(
            new MapLookup(new() { [IPAddress.Loopback] = "localhost" }),
            ServiceNameTable.Parse(File.ReadAllText(Path.Combine(s_dir, "etc-services")), File.ReadAllText(Path.Combine(s_dir, "etc-protocols"))),
            uid => uid == 0 ? "root" : null);
        var output = new StringWriter(CultureInfo.InvariantCulture);
        await new NetstatTableWriter(options, names).WriteAsync(snapshot, output, TestContext.Current.CancellationToken);
        return output.ToString();
    }

    // Every socket in the namespace belonged to the capturing python process (started as "python3 exp.py FLAGS...").
    private static SocketOwners OwnersOfEverySocket(List<SocketRecord> sockets)
    {
        var python = new ProcessInfo
        {
            Pid = int.Parse(File.ReadAllText(Path.Combine(s_dir, "pid")).Trim(), CultureInfo.InvariantCulture),
            Name = "python3",
            Args = ["python3", "/tmp/nsexp/exp.py", "-tuwxan"],
            CommandLine = "python3 /tmp/nsexp/exp.py -tuwxan",
        };
        var byInode = new Dictionary<ulong, ProcessInfo[]>();
        foreach (SocketRecord socket in sockets)
        {
            if (socket.Inode != 0)
            {
                byInode[socket.Inode] = [python];
            }
        }
        return new SocketOwners(byInode, 1, 0);
    }

    private sealed class MapLookup(Dictionary<IPAddress, string> names) : IHostNameLookup
    {
        public Task<string?> LookupAsync(IPAddress address, CancellationToken cancellationToken) =>
            Task.FromResult(names.TryGetValue(address, out string? name) ? name : null);
    }
}
