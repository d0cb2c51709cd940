using SocketAgent.Logging;

namespace SocketAgent.Tests.Logging;

/// <summary>Repeated diagnostic lines: the first written, the repeats counted and summarised once per window.</summary>
public sealed class MessageThrottleTests
{
    private readonly List<string> _written = [];
    private readonly SteppedTime _time = new();

    [Fact]
    public void The_first_line_of_a_kind_is_written_repeats_are_counted_and_the_next_window_summarises_them()
    {
        var throttle = new MessageThrottle(_written.Add, TimeSpan.FromSeconds(60), _time);

        // An unresolvable broker: the same failure with a different port and attempt each time, 6 per second.
        for (int i = 0; i < 6 * 59; i++)
        {
            throttle.Write($"kafka: delivery failing (connect to 10.0.0.{i % 7}:9092 failed); attempt {i} in {i * 3} ms");
            _time.Advance(TimeSpan.FromSeconds(1.0 / 6));
        }
        throttle.Write("kafka: delivery circuit opened for 15 s");

        Assert.Equal(["kafka: delivery failing (connect to 10.0.0.0:9092 failed); attempt 0 in 0 ms", "kafka: delivery circuit opened for 15 s"], _written);
        Assert.Equal(6 * 59 - 1, throttle.Suppressed);

        _time.Advance(TimeSpan.FromSeconds(2)); // the window is over: the next repeat writes the summary
        throttle.Write("kafka: delivery failing (connect to 10.0.0.1:9092 failed); attempt 999 in 30000 ms");
        Assert.Equal(3, _written.Count);
        Assert.Equal($"kafka: delivery failing (connect to 10.0.0.1:9092 failed); attempt 999 in 30000 ms (repeated {6 * 59} times in the last 60 s)", _written[^1]);
    }

    [Fact]
    public void A_kind_quiet_for_a_window_is_written_in_full_again()
    {
        var throttle = new MessageThrottle(_written.Add, TimeSpan.FromSeconds(10), _time);
        throttle.Write("broker 1 down");
        _time.Advance(TimeSpan.FromSeconds(11));
        throttle.Write("broker 2 down");

        Assert.Equal(["broker 1 down", "broker 2 down"], _written);
        Assert.Equal(0, throttle.Suppressed);
    }

    /// <summary>A monotonic clock moved by hand.</summary>
    private sealed class SteppedTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
