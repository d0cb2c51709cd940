namespace SocketAgent.Collection.Tracing;

/// <summary>How the kernel tracer is set up.</summary>
public sealed record KernelTracerOptions
{
    /// <summary>
    /// 4 MiB: about 29,000 transitions (136 bytes and an 8-byte header each) between two drains 10 ms apart, i.e.
    /// bursts of 2.9 million transitions a second. The mapping counts twice in the agent's RSS (the kernel maps the
    /// data pages twice, for records that wrap), so 4 MiB is 8 MiB of RSS; 16 MiB was 32.
    /// </summary>
    public const int DefaultRingBufferBytes = 4 << 20;

    /// <summary>
    /// The kernel ring buffer's size in bytes: a power of two, at least one page. What does not fit between two
    /// drains is dropped by the kernel side and counted (<see cref="TracerCounters.Lost"/>).
    /// </summary>
    public int RingBufferBytes { get; init; } = DefaultRingBufferBytes;

    /// <summary>How often the ring buffer is drained into the agent's queue while records come.</summary>
    public TimeSpan DrainInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The longest wait between two drains while nothing comes: the wait doubles from <see cref="DrainInterval"/> up
    /// to this after each empty drain, and the first record brings it back. An idle tracer then wakes 20 times a
    /// second instead of 100; a burst that starts during a 50 ms wait still has a quarter of the ring buffer's
    /// 29,000-transition room per 10 ms to fill first (580,000 transitions a second).
    /// </summary>
    public TimeSpan IdleDrainInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Records the agent holds for the next cycle at most; past it the drain pauses, so what cannot be held stays in
    /// the ring buffer, and what does not fit there is counted by the kernel side: every loss is counted in one place.
    /// </summary>
    public int MaxQueuedRecords { get; init; } = 262_144;

    /// <summary>The UDP flow map's default size: 65,536 flows (32 + 48 bytes each, plus the map's own overhead).</summary>
    public const int DefaultUdpFlows = 65_536;

    /// <summary>The default idle timeout of a UDP flow: 60 s without a datagram either way ends it.</summary>
    public static readonly TimeSpan DefaultUdpIdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// UDP flows (socket + remote endpoint) the kernel side follows at once (<c>ebpf.udp_flows</c>). Past it the least
    /// recently used flow is evicted: it is closed without its counts, and counted (<c>ebpf_udp_flows_evicted</c>).
    /// </summary>
    public int UdpFlows { get; init; } = DefaultUdpFlows;

    /// <summary>A UDP flow without a datagram for this long ends (<c>ebpf.udp_idle_timeout</c>), if its socket was not released first.</summary>
    public TimeSpan UdpIdleTimeout { get; init; } = DefaultUdpIdleTimeout;
}
