using Confluent.Kafka;

namespace SocketAgent.Delivery.Kafka;

/// <summary>Maps librdkafka's verdict on one message to the spool's <see cref="DeliveryOutcome"/>.</summary>
internal static class KafkaDeliveryOutcomes
{
    /// <summary>
    /// Errors that sending the same bytes again cannot fix (librdkafka's own list of non-retriable produce errors, plus
    /// its local equivalents): reported loudly, not retried in a loop. Everything else that is not persisted — timeouts,
    /// leader changes, brokers down, a fatal producer about to be rebuilt — is retriable from the spool.
    /// </summary>
    public static bool IsPermanent(ErrorCode code) => code switch
    {
        ErrorCode.MsgSizeTooLarge
        or ErrorCode.UnknownTopicOrPart
        or ErrorCode.Local_UnknownTopic
        or ErrorCode.Local_UnknownPartition
        or ErrorCode.TopicException
        or ErrorCode.TopicAuthorizationFailed
        or ErrorCode.ClusterAuthorizationFailed
        or ErrorCode.InvalidRequiredAcks
        or ErrorCode.InvalidMsg
        or ErrorCode.Local_BadMsg
        or ErrorCode.RecordListTooLarge
        or ErrorCode.InvalidRecord => true,
        _ => false,
    };

    public static DeliveryOutcome From(PersistenceStatus status, Error error)
    {
        if (status == PersistenceStatus.Persisted && !error.IsError)
        {
            return DeliveryOutcome.Persisted;
        }

        return IsPermanent(error.Code) ? DeliveryOutcome.Permanent : DeliveryOutcome.Retriable;
    }
}
