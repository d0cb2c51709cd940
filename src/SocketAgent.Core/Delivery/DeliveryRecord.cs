namespace SocketAgent.Delivery;

/// <summary>
/// One encoded event on its way to a remote output: the JSON line (without its newline) and what routing needs
/// without parsing it again — the dataset (Kafka topic map) and the Community ID (the flow-keyed topic).
/// </summary>
public sealed record DeliveryRecord(long Sequence, string Dataset, string? CommunityId, ReadOnlyMemory<byte> Json);
