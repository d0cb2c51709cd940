using System.Globalization;

namespace SocketAgent.Delivery.Kafka;

/// <summary>The librdkafka configuration of the <c>kafka</c> output's producer.</summary>
internal static class KafkaProducerConfig
{
    public static Dictionary<string, string> Build(KafkaOutputOptions options)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["bootstrap.servers"] = options.BootstrapServers,
            ["client.id"] = "socket-agent",
            // Per-partition order and no duplicates from librdkafka's own retries; implies acks=all and ≤ 5 in flight.
            ["enable.idempotence"] = "true",
            ["acks"] = "all",
            ["compression.type"] = options.Compression,
            // The spool is the buffer: librdkafka holds only what is on its way, so a dead cluster cannot grow memory.
            ["queue.buffering.max.messages"] = Invariant(options.MaxQueuedMessages),
            ["queue.buffering.max.kbytes"] = Invariant(options.MaxQueuedKilobytes),
            ["message.timeout.ms"] = Invariant((long)options.MessageTimeout.TotalMilliseconds),
            ["linger.ms"] = Invariant((long)options.Linger.TotalMilliseconds),
            // The handler needs only the status and the error: skip copying key, value and headers back.
            ["dotnet.producer.delivery.report.fields"] = "status",
        };

        foreach ((string key, string value) in options.Properties)
        {
            if (key == "enable.idempotence" && !string.Equals(value, "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("kafka: enable.idempotence=false would break per-host order and is not allowed.", nameof(options));
            }

            if (key is "acks" or "request.required.acks" && value is not ("all" or "-1"))
            {
                throw new ArgumentException($"kafka: {key}={value} would acknowledge events a broker failure can lose; only 'all' is allowed.", nameof(options));
            }

            config[key] = value;
        }

        return config;
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
