using CsCheck;
using SocketAgent.Cli.Configuration;

namespace SocketAgent.Tests.Daemon;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("5s", 5_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("1m", 60_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData(" 30s ", 30_000)]
    [InlineData("00:00:05", 5_000)]
    [InlineData("250us", 0.25)]
    public void Parses_what_operators_write(string text, double milliseconds)
    {
        Assert.True(DurationText.TryParse(text, out TimeSpan duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("5")]
    [InlineData("")]
    [InlineData("ms")]
    [InlineData("5 parsecs")]
    [InlineData("-5s")]
    [InlineData("1e400s")]
    [InlineData("5sec")]
    public void Refuses_anything_else(string text) => Assert.False(DurationText.TryParse(text, out _));

    [Theory]
    [InlineData(500, "500ms")]
    [InlineData(1_000, "1s")]
    [InlineData(60_000, "1m")]
    [InlineData(90_000, "90s")]
    [InlineData(3_600_000, "1h")]
    public void Formats_in_the_shortest_exact_unit(int milliseconds, string expected) =>
        Assert.Equal(expected, DurationText.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void Format_then_parse_gives_the_same_duration() =>
        Gen.Long[1, TimeSpan.FromDays(1).Ticks].Sample(ticks =>
        {
            TimeSpan duration = TimeSpan.FromTicks(ticks);
            return DurationText.TryParse(DurationText.Format(duration), out TimeSpan back) && back == duration;
        }, iter: 2_000);

    [Fact]
    public void Random_text_never_throws() =>
        Gen.String.Sample(text => { DurationText.TryParse(text, out _); }, iter: 2_000);
}
