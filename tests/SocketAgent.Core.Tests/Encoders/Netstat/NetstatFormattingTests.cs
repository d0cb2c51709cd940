using System.Net;
using System.Net.Sockets;
using CsCheck;
using SocketAgent.Model;
using SocketAgent.Encoders.Netstat;

namespace SocketAgent.Tests.Encoders.Netstat;

public sealed class NetstatFormattingTests
{
    // Each case was run through the installed netstat -tlnp (a listener inherited by `sleep` exec'd with this argv[0]).
    [Theory]
    [InlineData(6652, "sshd: root@pts/0", "6652/sshd: root@pts")]
    [InlineData(6653, "./rel/dir/prog", "6653/./rel/dir/prog")]
    [InlineData(6654, "/abs/dir/averyveryverylongprogramname", "6654/averyveryveryl")]
    [InlineData(6655, "rel/noslash/x", "6655/rel/noslash/x")]
    [InlineData(6656, "/usr/bin/", "6656/")]
    [InlineData(6657, "-bash", "6657/-bash")]
    public void ProgramName_FollowsNetstat(int pid, string argv0, string expected)
    {
        var process = new ProcessInfo { Pid = pid, Name = "sleep", Args = [argv0, "30"] };
        Assert.Equal(expected, NetstatProgramName.Format(process));
    }

    [Fact]
    public void ProgramName_OfEmptyCommandLine_IsPidSlash()
    {
        Assert.Equal("2/", NetstatProgramName.Format(new ProcessInfo { Pid = 2, Name = "kthreadd" }));
    }

    [Fact]
    public void CommandLineColumn_ShowsControlCharactersAsQuestionMarks_SoEachSocketStaysOneRow()
    {
        var process = new ProcessInfo
        {
            Pid = 7,
            Name = "python3",
            Args = ["python3", "-c", "import os\nprint(1)\t"],
            CommandLine = "python3 -c 'import os\nprint(1)\t'",
        };

        Assert.Equal("7/python3 -c 'import os?print(1)?'", NetstatProgramName.FormatCommandLine(process));
    }

    [Fact]
    public void CommandLineColumn_IsNeverCut()
    {
        var process = new ProcessInfo
        {
            Pid = 4242,
            Name = "python3",
            Args = ["/usr/bin/python3", "-c", "print('a very long argument that netstat would cut')"],
            CommandLine = "/usr/bin/python3 -c 'print('\\''a very long argument that netstat would cut'\\'')'",
        };
        var socket = new SocketRecord
        {
            Transport = Transport.Tcp,
            Family = AddressFamily.InterNetwork,
            State = KernelSocketState.Listen,
            LocalAddress = IPAddress.Loopback,
            LocalPort = 8080,
            RemoteAddress = IPAddress.Any,
            Inode = 77,
        };
        var snapshot = new SocketSnapshot
        {
            Timestamp = DateTimeOffset.UnixEpoch,
            Host = new HostIdentity("h", null),
            Sockets = [socket],
            Owners = new SocketOwners(new() { [77] = [process] }, 1, 0),
            Source = "procfs",
        };
        var output = new StringWriter();

        new NetstatTableWriter(new NetstatOptions { Transports = TransportSet.Tcp, Listening = true, Numeric = true, CommandLine = true }, NumericNameResolver.Instance)
            .Write(snapshot, output);

        Assert.Equal(
            "Active Internet connections (only servers)\n" +
            "Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    \n" +
            "tcp        0      0 127.0.0.1:8080          0.0.0.0:*               LISTEN      4242/" + process.CommandLine + "\n",
            output.ToString());
    }

    // Expected strings from glibc inet_ntop (python3 socket.inet_ntop on this machine).
    [Theory]
    [InlineData("::2", "::2")]
    [InlineData("::1.2.3.4", "::1.2.3.4")]
    [InlineData("::ffff:1.2.3.4", "::ffff:1.2.3.4")]
    [InlineData("::ffff:0:1.2.3.4", "::ffff:0:102:304")]
    [InlineData("::5efe:1.2.3.4", "::5efe:102:304")]
    [InlineData("1:0:0:2:0:0:0:3", "1:0:0:2::3")]
    [InlineData("1:0:0:0:2:0:0:3", "1::2:0:0:3")]
    [InlineData("fe80::1", "fe80::1")]
    [InlineData("::", "::")]
    [InlineData("2001:db8:1234:5678:9abc:def0:1234:5678", "2001:db8:1234:5678:9abc:def0:1234:5678")]
    public void InetNtop6_MatchesGlibc(string address, string expected)
    {
        Assert.Equal(expected, NetstatAddressText.InetNtop6(IPAddress.Parse(address).GetAddressBytes()));
    }

    [Fact]
    public void InetNtop6_RoundTrips()
    {
        Gen.Byte.Array[16].Sample(bytes =>
        {
            string text = NetstatAddressText.InetNtop6(bytes);
            Assert.Equal(new IPAddress(bytes), IPAddress.Parse(text));
        }, iter: 2000);
    }

    // Cut cases as netstat printed them (see the netns fixtures).
    [Theory]
    [InlineData("0.0.0.0", "clc-build-daemon", false, "0.0.0.:clc-build-daemon")]
    [InlineData("localhost", "kerberos-master", false, "localho:kerberos-master")]
    [InlineData("2001:db8:1234:5678:9abc:def0:1234:5678", "65000", false, "2001:db8:1234:567:65000")]
    [InlineData("2001:db8:1234:5678:9abc:def0:1234:5678", "65000", true, "2001:db8:1234:5678:9abc:def0:1234:5678:65000")]
    [InlineData("127.123.234.210", "65535", false, "127.123.234.210:65535")]
    [InlineData("1.2.3.4", "aaaaaaaaaaaaaaaaaaaaaaaaa", false, "1.2.:aaaaaaaaaaaaaaaaaa")]
    [InlineData("0123456789abcdef", "0123456", false, "0123456789abcde:0123456")]
    public void Endpoint_CutsLikeAddrDoOne(string host, string port, bool wide, string expected)
    {
        Assert.Equal(expected, NetstatAddressText.Endpoint(host, port, wide));
    }

    [Fact]
    public void Services_LastLineWins_AndProtocolsNameRawPorts()
    {
        ServiceNameTable table = ServiceNameTable.Parse(
            "# comment\nssh\t\t22/tcp\t\t\t# SSH\nfirst 9000/tcp\nsecond 9000/tcp alias\ndomain 53/udp\nweird 70/sctp\nbad x/tcp\n  \n",
            "ip\t0\tIP\nicmp\t1\tICMP\t\t# internet control\nipv6-icmp 58 IPv6-ICMP\n");

        Assert.Equal("ssh", table.Lookup(22, Transport.Tcp));
        Assert.Null(table.Lookup(22, Transport.Udp));
        Assert.Equal("second", table.Lookup(9000, Transport.Tcp));
        Assert.Equal("domain", table.Lookup(53, Transport.Udp));
        Assert.Null(table.Lookup(70, Transport.Tcp));
        Assert.Equal("icmp", table.Lookup(1, Transport.Raw));
        Assert.Equal("ipv6-icmp", table.Lookup(58, Transport.Raw));
        Assert.Null(table.Lookup(1, Transport.Tcp));
    }

    [Fact]
    public void Services_SurviveRandomText()
    {
        Gen.String.Sample(text => ServiceNameTable.Parse(text, text), iter: 500);
    }

    [Fact]
    public void ProgramWarning_MatchesNetstatStderr()
    {
        Assert.Null(NetstatTableWriter.ProgramWarning(new SocketOwners([], 10, 0), 0));
        Assert.Equal(
            "(No info could be read for \"-p\": geteuid()=65534 but you should be root.)\n",
            NetstatTableWriter.ProgramWarning(new SocketOwners([], 0, 10), 65534));
        var me = new ProcessInfo { Pid = 1, Name = "x" };
        Assert.Equal(
            "(Not all processes could be identified, non-owned process info\n will not be shown, you would have to be root to see it all.)\n",
            NetstatTableWriter.ProgramWarning(new SocketOwners(new() { [5] = [me] }, 1, 10), 1000));
    }
}
