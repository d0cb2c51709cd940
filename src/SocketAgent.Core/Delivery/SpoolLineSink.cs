using System.Text;
using SocketAgent.Encoders.Json;
using SocketAgent.Spool;

namespace SocketAgent.Delivery;

/// <summary>
/// Encoded lines into a remote output's spool, as <see cref="DeliveryRecord"/>s carrying the routing metadata the
/// encoder gave them (sequence, dataset, Community ID): the spool, and later the Kafka output, never parse a line.
/// </summary>
public sealed class SpoolLineSink : IEncodedLineSink
{
    private readonly DurableSpool _spool;
    private byte[] _scratch = new byte[4096];

    public SpoolLineSink(DurableSpool spool)
    {
        ArgumentNullException.ThrowIfNull(spool);
        _spool = spool;
    }

    /// <summary>Lines the spool refused (full): it names them in a loss range later.</summary>
    public long Refused { get; private set; }

    public void Write(in EncodedLine line)
    {
        // The spool copies the record into its segment; this copy only has to outlive the encoder's reused buffer.
        if (_scratch.Length < line.Json.Length)
        {
            _scratch = new byte[Math.Max(line.Json.Length, _scratch.Length * 2)];
        }
        line.Json.CopyTo(_scratch);
        string? communityId = line.CommunityId.IsEmpty ? null : Encoding.UTF8.GetString(line.CommunityId);
        if (!_spool.TryAppend(new DeliveryRecord(line.Sequence, line.Dataset, communityId, _scratch.AsMemory(0, line.Json.Length))))
        {
            Refused++;
        }
    }

    /// <summary>Nothing: the spool's batch is made durable by its owner's <c>EndBatch</c>, once per cycle.</summary>
    public void Flush()
    {
    }
}
