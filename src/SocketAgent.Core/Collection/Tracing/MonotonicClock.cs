using System.Runtime.InteropServices;

namespace SocketAgent.Collection.Tracing;

/// <summary>
/// Turns the kernel side's timestamps (<c>bpf_ktime_get_ns</c>: CLOCK_MONOTONIC) into wall-clock time, with the
/// offset between the two clocks measured once at start (a later wall-clock step is not followed: events keep
/// their order and their durations stay exact).
/// </summary>
internal sealed partial class MonotonicClock
{
    private const int ClockMonotonic = 1;
    private readonly DateTimeOffset _wallAtZero;

    public MonotonicClock(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _wallAtZero = time.GetUtcNow() - TimeSpan.FromTicks((long)(NowNanoseconds() / 100));
    }

    public DateTimeOffset ToWall(ulong monotonicNs) => _wallAtZero + TimeSpan.FromTicks((long)(monotonicNs / 100));

    internal static unsafe ulong NowNanoseconds()
    {
        long* spec = stackalloc long[2];
        return ClockGetTime(ClockMonotonic, spec) == 0 ? (ulong)(spec[0] * 1_000_000_000L + spec[1]) : 0;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static unsafe partial int ClockGetTime(int clock, long* spec);
}
