using System.Text;
using CsCheck;
using SocketAgent.Collection.Incremental;

namespace SocketAgent.Tests.Collection.Incremental;

public class TcpOpenCountersParserTests
{
    [Fact]
    public void ReadsTheOpenCountersOfRealSnmp()
    {
        byte[] snmp = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Incremental", "snmp"));
        string text = Encoding.ASCII.GetString(snmp);
        string[] tcp = text.Split('\n').Where(l => l.StartsWith("Tcp:", StringComparison.Ordinal)).ToArray();
        string[] names = tcp[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string[] values = tcp[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.True(TcpOpenCountersParser.TryParse(snmp, out TcpOpenCounters counters));

        Assert.Equal(long.Parse(values[Array.IndexOf(names, "ActiveOpens")]), counters.ActiveOpens);
        Assert.Equal(long.Parse(values[Array.IndexOf(names, "PassiveOpens")]), counters.PassiveOpens);
        Assert.Equal(long.Parse(values[Array.IndexOf(names, "CurrEstab")]), counters.CurrentEstablished);
    }

    [Fact]
    public void MatchesColumnsByNameNotPosition()
    {
        byte[] snmp = "Ip: Forwarding\nIp: 1\nTcp: CurrEstab Extra PassiveOpens ActiveOpens\nTcp: 7 99 5 3\n"u8.ToArray();

        Assert.True(TcpOpenCountersParser.TryParse(snmp, out TcpOpenCounters counters));

        Assert.Equal(new TcpOpenCounters(3, 5, 7), counters);
        Assert.Equal(8, counters.Opens);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Tcp: ActiveOpens PassiveOpens CurrEstab\n")]                    // no values line
    [InlineData("Tcp: ActiveOpens PassiveOpens CurrEstab\nUdp: 1 2 3\n")]        // torn pair
    [InlineData("Tcp: ActiveOpens PassiveOpens CurrEstab\nTcp: 1 x 3\n")]        // not a number
    [InlineData("Tcp: ActiveOpens PassiveOpens CurrEstab\nTcp: 1 2\n")]          // missing value
    [InlineData("Tcp: ActiveOpens PassiveOpens\nTcp: 1 2\n")]                    // no CurrEstab
    public void RefusesWhatIsNotACompleteTcpPair(string text)
    {
        Assert.False(TcpOpenCountersParser.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        // Parsing or refusing is fine; an exception is not. A result, when there is one, is never negative.
        Gen.Byte.Array[0, 512].Sample(bytes => !TcpOpenCountersParser.TryParse(bytes, out TcpOpenCounters c) || c.Opens >= 0, iter: 2000);
        Gen.String.Sample(s => !TcpOpenCountersParser.TryParse(Encoding.UTF8.GetBytes("Tcp: ActiveOpens PassiveOpens CurrEstab\nTcp: " + s), out TcpOpenCounters c)
            || c.CurrentEstablished >= 0, iter: 2000);
    }
}
