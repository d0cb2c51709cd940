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
    // Records are taken from the tracer's queue this many at a time and translated one by one, so a cycle never
    // holds more than this batch of records, nor more than one of their events at a time.
    private readonly TraceItem[] _batch = new TraceItem[1024];
    private long _lostReported;
    private long _udpEvictedReported;
    // UDP flow events one record produced (a release can close several flows): yielded, then cleared before the next
    // record is translated, so it is never added to while it is being handed out.
    private readonly List<TracedEvent> _udpEvents = [];

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

    /// <summary>
    /// The transitions since the last drain, in the order the kernel committed them. The ring buffer is consumed now;
    /// the records are translated as the caller enumerates (each event can be emitted and forgotten before the next
    /// is made). Enumerate it once, before the next drain.
    /// </summary>
    internal IEnumerable<TracedEvent> Drain() => Translate(_tracer.Drain());

    private IEnumerable<TracedEvent> Translate(int count)
    {
        while (count > 0)
        {
            int taken = _tracer.Take(_batch, count);
            if (taken == 0)
            {
                break;
            }
            count -= taken;
            for (int i = 0; i < taken; i++)
            {
                if (_translator.Translate(_batch[i], _udpEvents) is TracedEvent e)
                {
                    yield return e;
                }
                foreach (TracedEvent flow in _udpEvents)
                {
                    yield return flow;
                }
                _udpEvents.Clear();
            }
            Array.Clear(_batch, 0, taken);
        }
        // Flows idle past the timeout close at the end of each drain, after every datagram the ring held.
        _translator.Udp.Sweep(_udpEvents);
        foreach (TracedEvent flow in _udpEvents)
        {
            yield return flow;
        }
        _udpEvents.Clear();
    }

    public void Dispose() => _tracer.Dispose();
}
