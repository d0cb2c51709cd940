using System.Net;
using System.Net.Sockets;
using System.Text;
using CsCheck;
using SocketAgent.Collection;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Procfs;

/// <summary>
/// Bad text never throws: every non-blank, non-header line is either a record or counted as malformed.
/// </summary>
public class ProcNetFuzzTests
{
    private const long Iterations = 300;

    private static readonly Gen<string> s_procishText =
        Gen.Char["0123456789ABCDEFabcdefgxyz: \t\r\n-@/slNum"].Array[0, 600].Select(a => new string(a));

    [Fact]
    public void RandomBytes_NeverThrow_AllLinesAccountedFor() =>
        Gen.Byte.Array[0, 4096].Sample(bytes => AssertAccounted(bytes), iter: Iterations);

    [Fact]
    public void RandomProcishText_NeverThrow_AllLinesAccountedFor() =>
        s_procishText.Sample(text => AssertAccounted(Encoding.UTF8.GetBytes(text)), iter: Iterations);

    [Fact]
    public void MutatedRealLines_NeverThrow_AllLinesAccountedFor()
    {
        byte[][] files = new[] { "tcp", "tcp6", "udp", "raw6", "unix" }.Select(ProcfsFixtures.Read).ToArray();
        Gen<byte[]> mutated =
            from file in Gen.Int[0, files.Length - 1].Select(i => files[i])
            from cut in Gen.Int[0, 4096]
            from position in Gen.Int[0, 4096]
            from replacement in Gen.Byte
            select Mutate(file, cut, position, replacement);

        mutated.Sample(bytes => AssertAccounted(bytes), iter: Iterations);
    }

    [Fact]
    public void HugeLines_CountedAsMalformed()
    {
        byte[] huge = Encoding.ASCII.GetBytes("   0: " + new string('F', 200_000) + ":0016 x\n" + new string('A', 100_000));
        var results = new List<SocketRecord>();
        var diagnostics = new CollectionDiagnostics();

        Assert.Equal(2, ProcNetInetParser.Parse(huge, Transport.Tcp, AddressFamily.InterNetworkV6, false, results, diagnostics));
        Assert.Equal(2, ProcNetUnixParser.Parse(huge, false, results, diagnostics));
        Assert.Empty(results);
        Assert.Equal(4, diagnostics.Get(ProcfsCounters.LinesMalformed));
    }

    [Fact]
    public void KernelFormattedLines_RoundTrip()
    {
        Gen<(uint[] Words, ushort LocalPort, ushort RemotePort, byte State, uint Tx, uint Rx, uint Uid, ulong Inode)> gen =
            from words in Gen.UInt.Array[8]
            from localPort in Gen.UShort
            from remotePort in Gen.UShort
            from state in Gen.Byte[1, 13]
            from tx in Gen.UInt
            from rx in Gen.UInt
            from uid in Gen.UInt
            from inode in Gen.ULong
            select (words, localPort, remotePort, state, tx, rx, uid, inode);

        gen.Sample(g =>
        {
            // get_tcp6_sock's format string.
            string line = $"   0: {g.Words[0]:X8}{g.Words[1]:X8}{g.Words[2]:X8}{g.Words[3]:X8}:{g.LocalPort:X4} " +
                          $"{g.Words[4]:X8}{g.Words[5]:X8}{g.Words[6]:X8}{g.Words[7]:X8}:{g.RemotePort:X4} {g.State:X2} " +
                          $"{g.Tx:X8}:{g.Rx:X8} 00:00000000 00000000 {g.Uid,5} {0,8} {g.Inode} 1 0000000000000000 20 4 30 10 -1\n";
            var results = new List<SocketRecord>();
            Assert.Equal(0, ProcNetInetParser.Parse(Encoding.ASCII.GetBytes(line), Transport.Tcp, AddressFamily.InterNetworkV6, false, results, new CollectionDiagnostics()));

            SocketRecord r = Assert.Single(results);
            Assert.Equal(Expected(g.Words.AsSpan(0, 4)), r.LocalAddress);
            Assert.Equal(Expected(g.Words.AsSpan(4, 4)), r.RemoteAddress);
            Assert.Equal(g.LocalPort, r.LocalPort);
            Assert.Equal(g.RemotePort, r.RemotePort);
            Assert.Equal((KernelSocketState)g.State, r.State);
            Assert.Equal(g.Tx, r.SendQueue);
            Assert.Equal(g.Rx, r.RecvQueue);
            Assert.Equal(g.Uid, r.Uid);
            Assert.Equal(g.Inode, r.Inode);
        }, iter: Iterations);
    }

    /// <summary>The address the kernel meant, built independently of the parser: each word's bytes little-endian.</summary>
    private static IPAddress Expected(ReadOnlySpan<uint> words)
    {
        byte[] bytes = new byte[16];
        for (int i = 0; i < 4; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), words[i]);
        }
        var address = new IPAddress(bytes);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    private static byte[] Mutate(byte[] file, int cut, int position, byte replacement)
    {
        byte[] copy = file.AsSpan(0, Math.Min(cut, file.Length)).ToArray();
        if (copy.Length > 0)
        {
            copy[position % copy.Length] = replacement;
        }
        return copy;
    }

    private static void AssertAccounted(byte[] bytes)
    {
        int inetLines = CountDataLines(bytes, "sl");
        int unixLines = CountDataLines(bytes, "Num");
        foreach (AddressFamily family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            var results = new List<SocketRecord>();
            var diagnostics = new CollectionDiagnostics();
            int malformed = ProcNetInetParser.Parse(bytes, Transport.Tcp, family, false, results, diagnostics);
            Assert.Equal(inetLines, results.Count + malformed);
            Assert.Equal(malformed, diagnostics.Get(ProcfsCounters.LinesMalformed));
        }

        var unixResults = new List<SocketRecord>();
        var unixDiagnostics = new CollectionDiagnostics();
        int unixMalformed = ProcNetUnixParser.Parse(bytes, false, unixResults, unixDiagnostics);
        Assert.Equal(unixLines, unixResults.Count + unixMalformed);
        Assert.Equal(unixMalformed, unixDiagnostics.Get(ProcfsCounters.LinesMalformed));
    }

    /// <summary>An independent count: non-blank lines whose first field is not the header's.</summary>
    private static int CountDataLines(byte[] bytes, string headerToken)
    {
        int count = 0;
        foreach (string line in Encoding.Latin1.GetString(bytes).Split('\n'))
        {
            if (line.Trim(' ', '\t', '\r').Length == 0)
            {
                continue;
            }
            string first = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0];
            if (first != headerToken)
            {
                count++;
            }
        }
        return count;
    }
}
