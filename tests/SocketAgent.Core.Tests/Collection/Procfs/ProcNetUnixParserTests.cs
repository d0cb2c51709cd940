using System.Text;
using SocketAgent.Collection;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Procfs;

public class ProcNetUnixParserTests
{
    private const string Dir = "/tmp/sa procfs 9pecqi7o/";

    [Fact]
    public void Unix_CapturedFile_ExactRecords()
    {
        List<SocketRecord> records = ProcfsFixtures.ParseUnix("unix");
        Assert.Equal(10, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal(Transport.Unix, r.Transport);
            Assert.Equal(System.Net.Sockets.AddressFamily.Unix, r.Family);
            Assert.Equal(0UL, r.UnixPeerInode);
            Assert.Equal(0UL, r.RecvQueue);
            Assert.Equal(0UL, r.SendQueue);
            Assert.Null(r.Cookie);
            Assert.Null(r.LocalAddress);
        });

        Dictionary<ulong, SocketRecord> byInode = records.ToDictionary(r => r.Inode);

        // Listener on a path with spaces: the whole rest of the line is the path.
        AssertUnix(byInode[11863], UnixSocketType.Stream, KernelSocketState.Listen, Dir + "listen sock", refCount: 2, flags: 0x10000);
        AssertUnix(byInode[11866], UnixSocketType.Stream, KernelSocketState.Listen, "@socket-agent-procfs-abstract", 2, 0x10000);
        AssertUnix(byInode[11865], UnixSocketType.Stream, KernelSocketState.Established, Dir + "listen sock", 3, 0);
        AssertUnix(byInode[11864], UnixSocketType.Stream, KernelSocketState.Established, null, 3, 0);
        AssertUnix(byInode[11867], UnixSocketType.Dgram, KernelSocketState.Established, Dir + "dgram", 3, 0);
        AssertUnix(byInode[11868], UnixSocketType.Dgram, KernelSocketState.Established, null, 2, 0);
        AssertUnix(byInode[11869], UnixSocketType.SeqPacket, KernelSocketState.Established, null, 3, 0);
        AssertUnix(byInode[11870], UnixSocketType.SeqPacket, KernelSocketState.Established, null, 3, 0);
        // "%5lu" pads small inodes: " 1057".
        AssertUnix(byInode[1057], UnixSocketType.Stream, KernelSocketState.Established, null, 3, 0);
    }

    [Fact]
    public void ListeningOnly_KeepsListeners()
    {
        List<SocketRecord> records = ProcfsFixtures.ParseUnix("unix", listeningOnly: true);
        Assert.Equal([11863UL, 11866UL], records.Select(r => r.Inode).Order());
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("unix-header-only")]
    public void EmptyAndHeaderOnly_NoRecords(string name) => Assert.Empty(ProcfsFixtures.ParseUnix(name));

    [Theory]
    [InlineData(0x00000u, 1u, KernelSocketState.Close)]
    [InlineData(0x00000u, 2u, KernelSocketState.SynSent)]
    [InlineData(0x00000u, 3u, KernelSocketState.Established)]
    [InlineData(0x00000u, 4u, KernelSocketState.CloseWait)]
    [InlineData(0x10000u, 1u, KernelSocketState.Listen)]
    [InlineData(0x00000u, 0u, KernelSocketState.Unknown)]
    public void States_MapToKernelStates_ThatNetstatNamesAgree(uint flags, uint st, KernelSocketState expected)
    {
        Assert.Equal(expected, ProcNetUnixParser.ToKernelState(flags, st));
        string netstatName = (flags, st) switch
        {
            (0x10000, _) => "LISTENING",
            (_, 2) => "CONNECTING",
            (_, 3) => "CONNECTED",
            (_, 4) => "DISCONNECTING",
            _ => "",
        };
        Assert.Equal(netstatName, SocketStateNames.Netstat(Transport.Unix, expected));
    }

    [Fact]
    public void PathKeepsLeadingAndTrailingSpaces_AndUtf8()
    {
        string text = "Num       RefCount Protocol Flags    Type St Inode Path\n" +
                      "0000000000000000: 00000002 00000000 00000000 0002 01 12345  lead/trail é \n";
        var results = new List<SocketRecord>();
        Assert.Equal(0, ProcNetUnixParser.Parse(Encoding.UTF8.GetBytes(text), false, results, new CollectionDiagnostics()));
        SocketRecord r = Assert.Single(results);
        Assert.Equal(" lead/trail é ", r.UnixPath);
        Assert.Equal(KernelSocketState.Close, r.State);
        Assert.Equal(UnixSocketType.Dgram, r.UnixType);
    }

    [Theory]
    [InlineData("0000000000000000: 00000002 00000000 00000000 0001 01")] // no inode
    [InlineData("0000000000000000 00000002 00000000 00000000 0001 01 5")] // Num without colon
    [InlineData("0000000000000000: 0000000Z 00000000 00000000 0001 01 5")] // not hex
    [InlineData("0000000000000000: 80000000 00000000 00000000 0001 01 5")] // refcount beyond int
    [InlineData("0000000000000000: 00000002 00000000 00000000 0100 01 5")] // type > 255
    [InlineData("0000000000000000: 00000002 00000000 00000000 0001 01 5x /path")] // inode not decimal
    public void MalformedLine_SkippedAndCounted(string line)
    {
        string text = "Num       RefCount Protocol Flags    Type St Inode Path\n" + line + "\n" +
                      "0000000000000000: 00000002 00000000 00000000 0001 01 77 /ok\n";
        var results = new List<SocketRecord>();
        var diagnostics = new CollectionDiagnostics();
        Assert.Equal(1, ProcNetUnixParser.Parse(Encoding.UTF8.GetBytes(text), false, results, diagnostics));
        Assert.Equal("/ok", Assert.Single(results).UnixPath);
        Assert.Equal(1, diagnostics.Get(ProcfsCounters.LinesMalformed));
    }

    private static void AssertUnix(SocketRecord r, UnixSocketType type, KernelSocketState state, string? path, int refCount, uint flags)
    {
        Assert.Equal(type, r.UnixType);
        Assert.Equal(state, r.State);
        Assert.Equal(path, r.UnixPath);
        Assert.Equal(refCount, r.UnixRefCount);
        Assert.Equal(flags, r.UnixFlags);
    }
}
