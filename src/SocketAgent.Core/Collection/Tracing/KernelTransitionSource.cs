using SocketAgent.Collection.Redaction;

namespace SocketAgent.Collection.Tracing;

/// <summary>
/// The eBPF source as the daemon sees it: TCP transitions, as socket events, since the last drain. It runs beside
/// the snapshot source (<see cref="HostCollector"/>), which keeps the periodic full state on netlink.
/// </summary>
public sealed class KernelTransitionSource : IDisposable
{
    private readonly KernelTracer _tracer;
    private readonly TraceTranslator _translator;
    private readonly List<TraceItem> _items = [];
    private long _lostReported;
    private long _udpEvictedReported;

    private KernelTransitionSource(KernelTracer tracer, CommandLineRedactor redactor, TimeProvider time, TimeSpan udpIdleTimeout)
    {
        _tracer = tracer;
        _translator = new TraceTranslator(redactor, time, tracer, udpIdleTimeout);
    }

    /// <summary>
    /// The source <paramref name="kind"/> asks for: the tracer for <see cref="SocketSourceKind.Ebpf"/> (throws
    /// <see cref="TracerUnavailableException"/> when it cannot run) and for <see cref="SocketSourceKind.Auto"/> when
    /// it can (otherwise null, and <paramref name="fallback"/> gets the reason); null for netlink and procfs.
    /// </summary>
    public static KernelTransitionSource? Open(
        SocketSourceKind kind, KernelTracerOptions options, CommandLineRedactor redactor, TimeProvider time, Action<string> fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        if (kind is not (SocketSourceKind.Auto or SocketSourceKind.Ebpf))
        {
            return null;
        }
        try
        {
            return new KernelTransitionSource(KernelTracer.Start(options), redactor, time, options.UdpIdleTimeout);
        }
        catch (TracerUnavailableException ex) when (kind == SocketSourceKind.Auto)
        {
            fallback(ex.Message);
            return null;
        }
    }

    /// <summary>Processes the tracer's cache holds.</summary>
    public int ProcessesCached => _translator.ProcessesCached;

    /// <summary>The kernel side's counters, with the agent's own.</summary>
    public IReadOnlyDictionary<string, long> Counters()
    {
        TracerCounters c = _tracer.ReadCounters();
        return new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["ebpf_records"] = c.Delivered,
            // As the loss lines reported it so far (they and this counter agree; the kernel's own count runs ahead).
            ["ebpf_lost"] = _lostReported,
            ["ebpf_attempted"] = c.Attempted,
            ["ebpf_deduplicated"] = c.Deduplicated,
            ["ebpf_recursion_misses"] = c.RecursionMissesFirst,
            ["ebpf_recursion_misses_second"] = c.RecursionMissesSecond,
            ["ebpf_accepts"] = c.Accepts,
            ["ebpf_args_unknown"] = _translator.ArgumentsUnknown,
            ["ebpf_half_open_closed"] = _translator.HalfOpenClosed,
            ["ebpf_udp_flows_opened"] = _tracer.ReadCounter(4),
            ["ebpf_udp_flows_closed_released"] = _translator.Udp.ClosedReleased,
            ["ebpf_udp_flows_closed_idle"] = _translator.Udp.ClosedIdle,
            ["ebpf_udp_flows_evicted"] = _udpEvictedReported,
            ["ebpf_udp_unattributed"] = _tracer.ReadCounter(5),
            ["ebpf_udp_mmsg_uncounted"] = _tracer.ReadCounter(6),
            ["ebpf_udp_releases"] = _tracer.ReadCounter(7),
        };
    }

    /// <summary>Records the kernel side could not hand over since the last call (its ring buffer was full).</summary>
    public long TakeLoss()
    {
        long lost = _tracer.ReadCounters().Lost;
        long delta = lost - _lostReported;
        _lostReported = lost;
        return delta;
    }

    /// <summary>Why UDP flows end by their idle timeout only (the socket release hook does not run), or null.</summary>
    public string? UdpReleaseUnavailable => _tracer.UdpReleaseUnavailable;

    /// <summary>Why UDP flows are not traced at all (the kernel lacks what they need), or null.</summary>
    public string? UdpUnavailable => _tracer.UdpUnavailable;

    /// <summary>
    /// UDP flows closed without their counts since the last call (the flow map evicted them): a <c>loss</c> line says
    /// how many.
    /// </summary>
    public long TakeUdpEvictions()
    {
        long evicted = _translator.Udp.Evicted;
        long delta = evicted - _udpEvictedReported;
        _udpEvictedReported = evicted;
        return delta;
    }

    /// <summary>The transitions since the last drain, in the order the kernel committed them.</summary>
    internal void Drain(List<TracedEvent> into)
    {
        _items.Clear();
        _tracer.Drain(_items);
        _translator.Translate(_items, into);
        _translator.Udp.Sweep(into);
        _items.Clear();
    }

    public void Dispose() => _tracer.Dispose();
}
