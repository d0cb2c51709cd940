namespace SocketAgent.Collection.Procfs;

/// <summary>Splits one /proc/net line into whitespace-separated fields without allocating.</summary>
internal ref struct ProcNetTokenizer
{
    private ReadOnlySpan<byte> _rest;

    public ProcNetTokenizer(ReadOnlySpan<byte> line) => _rest = line;

    /// <summary>What follows the last field returned, untouched (the UNIX path keeps its own spaces).</summary>
    public readonly ReadOnlySpan<byte> Remaining => _rest;

    /// <summary>The next field, or false at the end of the line.</summary>
    public bool TryNext(out ReadOnlySpan<byte> token)
    {
        int start = 0;
        while (start < _rest.Length && IsSpace(_rest[start]))
        {
            start++;
        }

        int end = start;
        while (end < _rest.Length && !IsSpace(_rest[end]))
        {
            end++;
        }

        token = _rest[start..end];
        _rest = _rest[end..];
        return !token.IsEmpty;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t';
}
