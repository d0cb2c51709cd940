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
    // The list the tracer fills next: the drain swaps it for the filled one (see KernelTracer.Drain).
    private List<TraceItem> _items = [];
    private long _lostReported;

    private KernelTransitionSource(KernelTracer tracer, CommandLineRedactor redactor, TimeProvider time)
    {
        _tracer = tracer;
        _translator = new TraceTranslator(redactor, time);
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
            return new KernelTransitionSource(KernelTracer.Start(options), redactor, time);
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

    /// <summary>The transitions since the last drain, in the order the kernel committed them.</summary>
    internal void Drain(List<TracedEvent> into)
    {
        _items = _tracer.Drain(_items);
        _translator.Translate(_items, into);
        _items.Clear();
    }

    public void Dispose() => _tracer.Dispose();
}
