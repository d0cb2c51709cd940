using System.Collections.Concurrent;

namespace SocketAgent.Collection;

/// <summary>
/// Counted, logged degradations of one collection pass: skipped malformed records, processes that vanished
/// mid-scan, protocols the kernel does not offer. Nothing is dropped silently: every skip lands here, and the
/// CLI prints the warnings on stderr. Thread-safe, as process scanning runs on several threads.
/// </summary>
public sealed class CollectionDiagnostics
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _warnings = new();
    private readonly ConcurrentDictionary<string, byte> _warnedOnce = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="delta"/> to the named counter (e.g. <c>netlink.records_malformed</c>).</summary>
    /// <remarks>Called per notification by the listeners' threads: the delegates are static and take the delta as
    /// their argument, so a call allocates nothing (a capturing lambda cost two objects per call).</remarks>
    public void Count(string counter, long delta = 1) =>
        _counters.AddOrUpdate(counter, static (_, d) => d, static (_, v, d) => v + d, delta);

    /// <summary>Records a warning for the operator.</summary>
    public void Warn(string message) => _warnings.Enqueue(message);

    /// <summary>Records a warning only the first time <paramref name="key"/> is seen.</summary>
    public void WarnOnce(string key, string message)
    {
        if (_warnedOnce.TryAdd(key, 0))
        {
            _warnings.Enqueue(message);
        }
    }

    public long Get(string counter) => _counters.TryGetValue(counter, out long v) ? v : 0;

    public IReadOnlyDictionary<string, long> Counters => _counters;

    public IReadOnlyCollection<string> Warnings => _warnings;
}
