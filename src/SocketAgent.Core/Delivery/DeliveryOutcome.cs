namespace SocketAgent.Delivery;

/// <summary>What a remote output learned about one record (confluent-kafka-dotnet's PersistenceStatus, made explicit).</summary>
public enum DeliveryOutcome
{
    /// <summary>The broker confirmed it (acks=all): the spool may forget it.</summary>
    Persisted,

    /// <summary>Not sent, or sent without a confirmation (timeout, broker gone): resend from the spool.</summary>
    Retriable,

    /// <summary>Refused for good (message too large, unknown topic, not authorised): report loudly, do not retry in a loop.</summary>
    Permanent,
}

/// <summary>Called by a remote output for every record it was given, exactly once, from any thread.</summary>
public delegate void DeliveryCallback(long sequence, DeliveryOutcome outcome, string? error);
