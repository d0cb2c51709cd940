namespace SocketAgent.Encoders.Json;

/// <summary>
/// One encoded JSON line (without its newline) with what the outputs route it by, known when it was encoded:
/// its <c>event.sequence</c> (0 for the one-shot views, which have no envelope), its <c>event.dataset</c> and its
/// <c>network.community_id</c>. Valid only during <see cref="IEncodedLineSink.Write"/>: the bytes are the encoder's
/// reused buffer; a sink that keeps them copies them.
/// </summary>
public readonly ref struct EncodedLine
{
    public EncodedLine(long sequence, string dataset, ReadOnlySpan<byte> communityId, ReadOnlySpan<byte> json)
    {
        Sequence = sequence;
        Dataset = dataset;
        CommunityId = communityId;
        Json = json;
    }

    public long Sequence { get; }

    /// <summary><c>socket</c>, <c>route</c>, <c>interface</c>, <c>netstat</c> or <c>agent</c>.</summary>
    public string Dataset { get; }

    /// <summary>UTF-8; empty when the line has none (not a flow, or not a socket line).</summary>
    public ReadOnlySpan<byte> CommunityId { get; }

    public ReadOnlySpan<byte> Json { get; }
}
