using System.Buffers;
using System.Diagnostics;
using SocketAgent.Delivery;
using SocketAgent.Metrics;
using SocketAgent.Spool;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// <c>/metrics</c>: the last <see cref="MetricsSnapshot"/> as Prometheus families. Counters end in <c>_total</c>,
/// durations are seconds, sizes bytes (Prometheus naming); the <c>process_*</c> families are the ones every
/// Prometheus client exports, read at scrape time (cheap reads of the runtime and /proc/self).
/// </summary>
internal static class MetricsExposition
{
    private static readonly string[] s_circuitStates = ["closed", "half_open", "open"];
    private static readonly Lazy<double> s_processStart = new(static () =>
    {
        using Process self = Process.GetCurrentProcess();
        return ToUnixSeconds(new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero));
    });

    public static void Write(IBufferWriter<byte> output, MetricsSnapshot? snapshot, HealthReport health)
    {
        var writer = new PrometheusTextWriter(output);
        if (snapshot is not null)
        {
            writer.WriteFamily("socket_agent_build_info", PrometheusMetricType.Gauge, "The agent's version and agent.id; always 1.");
            writer.WriteSample("socket_agent_build_info", 1, new("version", snapshot.Version), new("agent_id", snapshot.AgentId));
        }
        Gauge(writer, "socket_agent_ready", "1 when /healthz answers 200 (ready), else 0.", health.Ready ? 1 : 0);
        if (snapshot is not null)
        {
            WriteCycles(writer, snapshot);
            if (snapshot.Cycle is { } cycle)
            {
                WriteStream(writer, cycle);
                if (cycle.Spool is { } spool && cycle.Delivery is { } delivery)
                {
                    WriteKafka(writer, spool, cycle.SpoolMaxBytes, delivery);
                }
            }
        }
        WriteProcess(writer);
    }

    private static void WriteCycles(PrometheusTextWriter writer, MetricsSnapshot snapshot)
    {
        Counter(writer, "socket_agent_cycles_total", "Collection cycles run since start (the first one is the full snapshot).", snapshot.Cycles);
        Counter(writer, "socket_agent_cycle_failures_total", "Collection cycles that failed (logged and skipped; the next one tries again).", snapshot.FailedCycles);
        HistogramSnapshot durations = snapshot.CycleDuration;
        writer.WriteFamily("socket_agent_cycle_duration_seconds", PrometheusMetricType.Histogram,
            "Duration of a collection cycle: read, attribute, diff, write and flush the events.");
        writer.WriteHistogram("socket_agent_cycle_duration_seconds", durations.UpperBounds.AsSpan(), durations.BucketCounts.AsSpan(), durations.Sum);
        writer.WriteFamily("socket_agent_last_successful_cycle_timestamp_seconds", PrometheusMetricType.Gauge,
            "When the last cycle that completed (events written and flushed, sequence saved) ended, in Unix seconds.");
        if (snapshot.LastSuccessAt is DateTimeOffset last)
        {
            writer.WriteSample("socket_agent_last_successful_cycle_timestamp_seconds", ToUnixSeconds(last));
        }
    }

    private static void WriteStream(PrometheusTextWriter writer, CycleMetrics cycle)
    {
        writer.WriteFamily("socket_agent_events_total", PrometheusMetricType.Counter, "Events written since start, by event.dataset and event.action.");
        foreach ((string key, long count) in cycle.Events.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            int dot = key.IndexOf('.');
            writer.WriteSample("socket_agent_events_total", count,
                new("dataset", dot < 0 ? key : key[..dot]), new("action", dot < 0 ? string.Empty : key[(dot + 1)..]));
        }
        Counter(writer, "socket_agent_events_filtered_total", "Socket events dropped by the filters (filters.*) since start.", cycle.FilteredOut);
        Gauge(writer, "socket_agent_sockets_tracked", "Sockets the agent tracks (open at the last cycle, every selected namespace).", cycle.SocketsTracked);
        Gauge(writer, "socket_agent_processes_tracked", "Processes the agent has attributed sockets to and still tracks.", cycle.ProcessesTracked);
        Gauge(writer, "socket_agent_network_namespaces", "Network namespaces watched.", cycle.Namespaces);
        writer.WriteFamily("socket_agent_source_info", PrometheusMetricType.Gauge, "What reports sockets: ebpf+netlink, netlink or procfs.");
        writer.WriteSample("socket_agent_source_info", 1, new PrometheusLabel("source", cycle.Source));
        foreach ((string key, long value) in cycle.SourceCounters.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            // Kernel-side counts since the tracer started (ebpf_lost: records its full ring buffer dropped).
            Counter(writer, $"socket_agent_{key}_total", $"eBPF source: {key.Replace('_', ' ')} since start.", value);
        }
        Counter(writer, "socket_agent_warnings_total", "Distinct collection warnings logged since start.", cycle.Warnings);
        writer.WriteFamily("socket_agent_output_write_errors_total", PrometheusMetricType.Counter,
            "Lines a local output (stdout, file) failed to write since start: each one is lost for that output.");
        foreach (string output in cycle.Outputs)
        {
            if (output != "kafka")
            {
                writer.WriteSample("socket_agent_output_write_errors_total", cycle.OutputErrors.GetValueOrDefault(output), new PrometheusLabel("output", output));
            }
        }
    }

    private static void WriteKafka(PrometheusTextWriter writer, SpoolStats spool, long maxBytes, DeliveryMetrics delivery)
    {
        PrometheusLabel kafka = new("output", "kafka");
        Gauge(writer, "socket_agent_spool_events", "Events in the durable spool not yet confirmed by the output.", spool.Events, kafka);
        Gauge(writer, "socket_agent_spool_bytes", "Disk used by the spool's segment files.", spool.Bytes, kafka);
        Gauge(writer, "socket_agent_spool_max_bytes", "The spool's size bound (spool.max_bytes): past it the newest events are dropped.", maxBytes, kafka);
        Gauge(writer, "socket_agent_spool_segments", "Segment files of the spool.", spool.Segments, kafka);
        Gauge(writer, "socket_agent_spool_watermark_lag_events", "event.sequence accepted minus event.sequence confirmed: how far the output is behind.", spool.WatermarkLag, kafka);
        Counter(writer, "socket_agent_spool_dropped_events_total", "Events lost because the spool was full or its disk refused writes (each range is named by a loss event).", spool.Drops, kafka);
        Gauge(writer, "socket_agent_spool_write_failing", "1 while the state directory's disk refuses the spool's writes (full): events that do not fit in memory are dropped.", spool.WriteFailing ? 1 : 0, kafka);
        Gauge(writer, "socket_agent_delivery_spooling", "1 while the output confirms nothing and the spool holds the events (circuit not closed, or nothing confirmed for 10 s while events wait).", delivery.Spooling ? 1 : 0, kafka);
        Counter(writer, "socket_agent_delivery_sent_total", "Records handed to the output since start, resends included.", delivery.Produced, kafka);
        Counter(writer, "socket_agent_delivery_confirmed_total", "Events the output confirmed as persisted since start.", delivery.Persisted, kafka);
        Counter(writer, "socket_agent_delivery_retries_total", "Delivery passes retried (with exponential backoff) since start.", delivery.Retries, kafka);
        Counter(writer, "socket_agent_delivery_rewinds_total", "Times delivery went back to the watermark to resend unconfirmed events.", delivery.Rewinds, kafka);
        Counter(writer, "socket_agent_delivery_output_rebuilds_total", "Times the producer was rebuilt after a fatal error.", delivery.OutputRebuilds, kafka);
        Counter(writer, "socket_agent_delivery_permanent_failures_total", "Events the output refused for good (too large, topic not authorized): not retried.", delivery.PermanentFailures, kafka);
        HistogramSnapshot latency = delivery.Latency;
        writer.WriteFamily("socket_agent_delivery_latency_seconds", PrometheusMetricType.Histogram,
            "Time from handing an event to the output to its confirmation (one observation per confirmed send).");
        writer.WriteHistogram("socket_agent_delivery_latency_seconds", latency.UpperBounds.AsSpan(), latency.BucketCounts.AsSpan(), latency.Sum, kafka);
        writer.WriteFamily("socket_agent_delivery_circuit_state", PrometheusMetricType.Gauge,
            "The delivery circuit breaker: 1 for its current state (closed: delivering; open: resting after failures; half_open: trying).");
        foreach (string state in s_circuitStates)
        {
            writer.WriteSample("socket_agent_delivery_circuit_state", state == delivery.CircuitState ? 1 : 0, kafka, new PrometheusLabel("state", state));
        }
    }

    private static void WriteProcess(PrometheusTextWriter writer)
    {
        Gauge(writer, "process_resident_memory_bytes", "Resident memory size in bytes.", Environment.WorkingSet);
        writer.WriteFamily("process_cpu_seconds_total", PrometheusMetricType.Counter, "Total user and system CPU time spent in seconds.");
        writer.WriteSample("process_cpu_seconds_total", Environment.CpuUsage.TotalTime.TotalSeconds);
        writer.WriteFamily("process_start_time_seconds", PrometheusMetricType.Gauge, "Start time of the process since unix epoch in seconds.");
        writer.WriteSample("process_start_time_seconds", s_processStart.Value);
        if (OpenFileDescriptors() is long fds)
        {
            Gauge(writer, "process_open_fds", "Number of open file descriptors.", fds);
        }
    }

    private static long? OpenFileDescriptors()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Counter(PrometheusTextWriter writer, string name, string help, long value, params ReadOnlySpan<PrometheusLabel> labels)
    {
        writer.WriteFamily(name, PrometheusMetricType.Counter, help);
        writer.WriteSample(name, value, labels);
    }

    private static void Gauge(PrometheusTextWriter writer, string name, string help, long value, params ReadOnlySpan<PrometheusLabel> labels)
    {
        writer.WriteFamily(name, PrometheusMetricType.Gauge, help);
        writer.WriteSample(name, value, labels);
    }

    private static double ToUnixSeconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;
}
