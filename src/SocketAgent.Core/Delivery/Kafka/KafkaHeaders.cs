namespace SocketAgent.Delivery.Kafka;

/// <summary>
/// The headers of every message. <c>event.sequence</c> is the decimal text of the sequence (ASCII digits, like
/// <c>agent.id</c> and <c>schema.version</c>, which are UTF-8 text): console consumers, kcat and Kafka UIs show
/// headers as strings, and any language parses a decimal without knowing our byte order.
/// </summary>
internal static class KafkaHeaders
{
    public const string AgentId = "agent.id";
    public const string EventSequence = "event.sequence";
    public const string SchemaVersion = "schema.version";
}
