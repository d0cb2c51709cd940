using System.Text;
using CsCheck;
using SocketAgent.Collection.Processes;

namespace SocketAgent.Tests.Collection.Processes;

public class ProcStatParserTests
{
    [Fact]
    public void ParsesCapturedPythonStat()
    {
        Assert.True(ProcStatParser.TryParse(ProcessFixtures.Read("python", "stat"), out ProcStat stat));
        Assert.Equal(new ProcStat(9221, "python3", 'S', 9208, 57543), stat);
    }

    [Fact]
    public void ParsesCapturedInitAndKernelThread()
    {
        Assert.True(ProcStatParser.TryParse(ProcessFixtures.Read("init", "stat"), out ProcStat init));
        Assert.Equal((1, "process_api", 0), (init.Pid, init.Name, init.ParentPid));

        Assert.True(ProcStatParser.TryParse(ProcessFixtures.Read("kthreadd", "stat"), out ProcStat kthreadd));
        Assert.Equal((2, "kthreadd", 0), (kthreadd.Pid, kthreadd.Name, kthreadd.ParentPid));
    }

    [Fact]
    public void CommWithSpacesAndParenthesesEndsAtTheLastParenthesis()
    {
        Assert.True(ProcStatParser.TryParse(ProcessFixtures.Read("crafted", "stat-comm-parens"), out ProcStat stat));
        Assert.Equal(new ProcStat(4242, "(a) b)", 'S', 1, 12345), stat);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1 (x) S 0")] // truncated before starttime
    [InlineData("1 x) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5")] // no '('
    [InlineData("(x) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5")] // no pid
    [InlineData("1 (x) S -1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5")] // negative ppid
    [InlineData("1 (x) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5x")] // garbage start time
    [InlineData("1 (x) SS 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5")]
    public void RejectsMalformedStat(string text) =>
        Assert.False(ProcStatParser.TryParse(Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void AcceptsMinimalStatEndingAtStartTime() =>
        Assert.True(ProcStatParser.TryParse("7 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5\n"u8, out ProcStat stat)
            && stat.StartTimeTicks == 5);

    [Fact]
    public void RandomBytesNeverThrow() =>
        Gen.Byte.Array[0, 512].Sample(bytes => { ProcStatParser.TryParse(bytes, out _); }, iter: 2000);

    [Fact]
    public void MutatedRealStatNeverThrows()
    {
        byte[] real = ProcessFixtures.Read("python", "stat");
        Gen.Select(Gen.Int[0, real.Length - 1], Gen.Byte, Gen.Int[0, real.Length]).Sample((position, value, cut) =>
        {
            byte[] copy = real[..cut];
            if (position < copy.Length)
            {
                copy[position] = value;
            }
            ProcStatParser.TryParse(copy, out _);
        }, iter: 2000);
    }
}
