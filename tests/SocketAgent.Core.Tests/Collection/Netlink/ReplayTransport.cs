using SocketAgent.Collection.Netlink;

namespace SocketAgent.Tests.Collection.Netlink;

/// <summary>
/// A fake netlink peer: each request is answered by the next scripted list of datagrams, produced from the
/// request's sequence number so synthetic replies can match it.
/// </summary>
internal sealed class ReplayTransport : INetlinkTransport
{
    private readonly Func<int, uint, IReadOnlyList<byte[]>> _answer;
    private readonly Queue<byte[]> _pending = new();

    /// <param name="answer">(request index, request sequence) → the datagrams the kernel would send back.</param>
    public ReplayTransport(Func<int, uint, IReadOnlyList<byte[]>> answer) => _answer = answer;

    /// <summary>Replays the same datagrams for every request.</summary>
    public static ReplayTransport Always(params byte[][] datagrams) => new((_, _) => datagrams);

    public List<byte[]> Requests { get; } = [];

    public void Send(ReadOnlySpan<byte> request)
    {
        byte[] copy = request.ToArray();
        uint sequence = copy.Length >= 12 ? BitConverter.ToUInt32(copy, 8) : 0;
        _pending.Clear();
        foreach (byte[] datagram in _answer(Requests.Count, sequence))
        {
            _pending.Enqueue(datagram);
        }
        Requests.Add(copy);
    }

    public int Receive(Span<byte> buffer)
    {
        if (!_pending.TryDequeue(out byte[]? datagram))
        {
            return 0;
        }

        int length = Math.Min(datagram.Length, buffer.Length);
        datagram.AsSpan(0, length).CopyTo(buffer);
        return length;
    }
}
