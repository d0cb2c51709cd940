using CsCheck;
using SocketAgent.Collection.Processes;

namespace SocketAgent.Tests.Collection.Processes;

public class ProcStatusParserTests
{
    [Fact]
    public void ReadsRealUidFromCapturedStatus()
    {
        Assert.True(ProcStatusParser.TryParseRealUid(ProcessFixtures.Read("python", "status"), out uint uid));
        Assert.Equal(0u, uid);
    }

    [Fact]
    public void TakesTheRealUidNotTheEffectiveOne()
    {
        Assert.True(ProcStatusParser.TryParseRealUid("Name:\tx\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t5\t5\t5\t5\n"u8, out uint uid));
        Assert.Equal(1000u, uid);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Name:\tx\n")]
    [InlineData("Uid:\t\n")]
    [InlineData("Uid:\t-1\t0\t0\t0\n")]
    [InlineData("Uid:\t99999999999\t0\n")]
    public void RejectsMissingOrMalformedUid(string text) =>
        Assert.False(ProcStatusParser.TryParseRealUid(System.Text.Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void RandomBytesNeverThrow() =>
        Gen.Byte.Array[0, 512].Sample(bytes => { ProcStatusParser.TryParseRealUid(bytes, out _); }, iter: 2000);
}

public class BootTimeParserTests
{
    [Fact]
    public void ReadsBtimeFromCapturedProcStat()
    {
        Assert.True(BootTimeParser.TryParse(ProcessFixtures.Read("proc-stat"), out long seconds));
        // Captured on this machine in late 2026.
        Assert.InRange(DateTimeOffset.FromUnixTimeSeconds(seconds).Year, 2025, 2027);
    }

    [Theory]
    [InlineData("cpu 1 2 3\nintr 5\n")]
    [InlineData("btime \n")]
    [InlineData("btime x\n")]
    [InlineData("btime 999999999999999\n")]
    public void RejectsMissingOrMalformedBtime(string text) =>
        Assert.False(BootTimeParser.TryParse(System.Text.Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void RandomBytesNeverThrow() =>
        Gen.Byte.Array[0, 512].Sample(bytes => { BootTimeParser.TryParse(bytes, out _); }, iter: 2000);
}
