using System.Net;
using System.Net.Sockets;
using SocketAgent.Cli.Commands;
using SocketAgent.Encoders.Json;
using SocketAgent.Model;

namespace SocketAgent.Tests.Cli;

/// <summary>
/// <c>--once</c> encodes a large namespace's socket lines on every core: the output must be byte for byte what one
/// writer makes, in the same order, whatever the profile.
/// </summary>
public sealed class ParallelSocketLinesTests
{
    [Theory]
    [InlineData(FieldProfile.Minimal)]
    [InlineData(FieldProfile.Default)]
    [InlineData(FieldProfile.Full)]
    public void Slices_encoded_on_other_cores_come_out_as_one_writer_writes_them(FieldProfile fields)
    {
        Assert.SkipWhen(Environment.ProcessorCount < 2, "one core: the lines are not split");
        (SocketSnapshot snapshot, NetworkNamespace ns) = Workload(9000);
        var directions = ConnectionDirectionResolver.FromSockets(snapshot.Sockets);

        byte[] one = Encode(output => new JsonLinesWriter(output, Names, routeTables: null, fields),
            (writer, _) => writer.WriteSnapshot(snapshot, ns, directions));
        byte[] parallel = Encode(output => new JsonLinesWriter(output, Names, routeTables: null, fields),
            (writer, output) => ParallelSocketLines.Write(writer, output, snapshot, ns, directions, Names, fields));

        Assert.Equal(9000, one.Count(b => b == (byte)'\n'));
        Assert.Equal(one.Length, parallel.Length);
        Assert.True(one.AsSpan().SequenceEqual(parallel), "the parallel output differs from one writer's");
    }

    [Fact]
    public void A_small_namespace_is_written_by_the_callers_writer_alone()
    {
        (SocketSnapshot snapshot, NetworkNamespace ns) = Workload(100);
        var directions = ConnectionDirectionResolver.FromSockets(snapshot.Sockets);
        var untouched = new MemoryStream();

        byte[] lines = Encode(output => new JsonLinesWriter(output, Names, routeTables: null),
            (writer, _) => ParallelSocketLines.Write(writer, untouched, snapshot, ns, directions, Names, FieldProfile.Default));

        Assert.Equal(100, lines.Count(b => b == (byte)'\n'));
        Assert.Equal(0, untouched.Length);
    }

    private static string? Names(uint uid) => uid == 0 ? "root" : null;

    private static byte[] Encode(Func<Stream, JsonLinesWriter> create, Action<JsonLinesWriter, Stream> write)
    {
        var output = new MemoryStream();
        using (JsonLinesWriter writer = create(output))
        {
            write(writer, output);
            writer.Flush();
        }
        return output.ToArray();
    }

    /// <summary>
    /// Listeners and both ends of loopback connections, over a few processes (so every slice's encoder builds its own
    /// process objects), IPv4 and IPv6, some sockets with tcp_info.
    /// </summary>
    private static (SocketSnapshot, NetworkNamespace) Workload(int count)
    {
        var processes = Enumerable.Range(0, 7).Select(i => new ProcessInfo
        {
            Pid = 1000 + i, Name = $"worker{i}", Args = ["/usr/bin/worker", $"--id={i}", "a b"], CommandLine = $"/usr/bin/worker --id={i} 'a b'",
            Executable = "/usr/bin/worker", Uid = (uint)(i % 2), UserName = i % 2 == 0 ? "root" : null, ParentPid = 1,
        }).ToArray();
        var sockets = new List<SocketRecord>(count);
        var owners = new Dictionary<ulong, ProcessInfo[]>();
        for (int i = 0; i < count; i++)
        {
            bool v6 = i % 3 == 0;
            bool listener = i % 50 == 0;
            ulong inode = (ulong)(10_000 + i);
            sockets.Add(new SocketRecord
            {
                Transport = Transport.Tcp,
                Family = v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork,
                State = listener ? KernelSocketState.Listen : KernelSocketState.Established,
                LocalAddress = v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback,
                LocalPort = listener ? 8000 + i % 7 : 30_000 + i % 30_000,
                RemoteAddress = listener ? null : v6 ? IPAddress.IPv6Loopback : IPAddress.Loopback,
                RemotePort = listener ? 0 : 8000 + i % 7,
                Inode = inode,
                Cookie = (ulong)(i + 1),
                Uid = (uint)(i % 2),
                RecvQueue = (ulong)(i % 5),
                TcpInfo = i % 4 == 0 ? new TcpInfo { RttMicros = (uint)i, BytesAcked = (ulong)i * 10, BytesReceived = 7, SndCwnd = 10 } : null,
            });
            owners[inode] = [processes[i % processes.Length]];
        }
        var snapshot = new SocketSnapshot
        {
            Timestamp = new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero),
            Host = new HostIdentity("host-1", "0123456789abcdef0123456789abcdef"),
            Sockets = sockets,
            Owners = new SocketOwners(owners, processes.Length, 0),
            Source = "netlink",
        };
        return (snapshot, new NetworkNamespace { Inode = 4026531840, Name = "blue" });
    }
}
