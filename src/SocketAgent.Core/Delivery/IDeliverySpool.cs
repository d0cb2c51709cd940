namespace SocketAgent.Delivery;

/// <summary>
/// What the delivery loop needs of the durable spool: the records after a sequence, in order, and a watermark it
/// moves forward over the contiguous prefix the remote confirmed.
/// </summary>
public interface IDeliverySpool
{
    /// <summary>Every record up to and including this sequence is confirmed; replay starts after it.</summary>
    long Watermark { get; }

    /// <summary>Records with a sequence greater than <paramref name="afterSequence"/>, in order, within the limits.</summary>
    IReadOnlyList<DeliveryRecord> Read(long afterSequence, int maxRecords, int maxBytes);

    /// <summary>Moves the watermark to <paramref name="upToSequence"/> (never backwards), durably.</summary>
    void Acknowledge(long upToSequence);
}
