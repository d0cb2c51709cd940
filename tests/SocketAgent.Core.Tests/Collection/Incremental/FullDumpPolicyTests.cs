using SocketAgent.Collection.Incremental;

namespace SocketAgent.Tests.Collection.Incremental;

public class FullDumpPolicyTests
{
    private static readonly TcpOpenCounters s_before = new(ActiveOpens: 100, PassiveOpens: 50, CurrentEstablished: 20);
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(60);

    [Fact]
    public void NothingMoved_CarriesOver() =>
        Assert.Equal(FullDumpReason.None, FullDumpPolicy.BeforeDump(s_before, s_before, false, TimeSpan.FromSeconds(1), s_interval));

    [Fact]
    public void NoPreviousFullDump_IsFirstCycle()
    {
        Assert.Equal(FullDumpReason.FirstCycle, FullDumpPolicy.BeforeDump(s_before, s_before, false, null, s_interval));
        Assert.Equal(FullDumpReason.FirstCycle, FullDumpPolicy.BeforeDump(s_before, null, false, TimeSpan.Zero, s_interval));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(0, 1)]
    [InlineData(1000, 3)]
    public void AnOpen_ForcesAFullDump(int active, int passive)
    {
        TcpOpenCounters now = s_before with { ActiveOpens = s_before.ActiveOpens + active, PassiveOpens = s_before.PassiveOpens + passive };
        Assert.Equal(FullDumpReason.OpensMoved, FullDumpPolicy.BeforeDump(now, s_before, false, TimeSpan.FromSeconds(1), s_interval));
    }

    [Fact]
    public void CurrEstabAloneDoesNotDecideBeforeTheDump()
    {
        // A close lowers CurrEstab without an open: the non-ESTABLISHED dump shows where the socket went.
        TcpOpenCounters now = s_before with { CurrentEstablished = 19 };
        Assert.Equal(FullDumpReason.None, FullDumpPolicy.BeforeDump(now, s_before, false, TimeSpan.FromSeconds(1), s_interval));
    }

    [Fact]
    public void HandshakesSeenLastCycle_ForceAFullDump() =>
        Assert.Equal(FullDumpReason.PendingHandshakes, FullDumpPolicy.BeforeDump(s_before, s_before, true, TimeSpan.FromSeconds(1), s_interval));

    [Fact]
    public void Periodic_WinsOverEverythingButTheFirstCycle()
    {
        Assert.Equal(FullDumpReason.Periodic, FullDumpPolicy.BeforeDump(s_before, s_before, false, s_interval, s_interval));
        Assert.Equal(FullDumpReason.Periodic, FullDumpPolicy.BeforeDump(null, s_before, true, TimeSpan.FromMinutes(5), s_interval));
        Assert.Equal(FullDumpReason.Periodic, FullDumpPolicy.BeforeDump(s_before, s_before, false, TimeSpan.Zero, TimeSpan.Zero));
        Assert.Equal(FullDumpReason.None, FullDumpPolicy.BeforeDump(s_before, s_before, false, TimeSpan.FromDays(9), Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void UnreadableCounters_ForceAFullDump() =>
        Assert.Equal(FullDumpReason.CountersUnavailable, FullDumpPolicy.BeforeDump(null, s_before, false, TimeSpan.FromSeconds(1), s_interval));

    [Theory]
    [InlineData(20, 0, FullDumpReason.None)]
    [InlineData(18, 2, FullDumpReason.None)]                       // two went to CLOSE_WAIT, still counted by CurrEstab
    [InlineData(20, 1, FullDumpReason.EstablishedCountMismatch)]   // one more than the kernel counts: a carried one is gone
    [InlineData(19, 0, FullDumpReason.EstablishedCountMismatch)]   // one fewer: one we do not carry
    public void AfterTheDump_CarriedPlusCloseWaitMustEqualCurrEstab(int carried, int closeWait, FullDumpReason expected) =>
        Assert.Equal(expected, FullDumpPolicy.AfterDump(s_before, carried, closeWait));
}
