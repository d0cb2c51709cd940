namespace SocketAgent.Collection.Procfs;

/// <summary>Enumerates the lines of a /proc/net table (the last line may lack its newline).</summary>
internal ref struct ProcNetLines
{
    private ReadOnlySpan<byte> _rest;

    public ProcNetLines(ReadOnlySpan<byte> text) => _rest = text;

    public bool TryNext(out ReadOnlySpan<byte> line)
    {
        if (_rest.IsEmpty)
        {
            line = default;
            return false;
        }

        int newline = _rest.IndexOf((byte)'\n');
        if (newline < 0)
        {
            line = _rest;
            _rest = default;
        }
        else
        {
            line = _rest[..newline];
            _rest = _rest[(newline + 1)..];
        }
        return true;
    }

    /// <summary>True for blank lines, which the parsers ignore without counting them as malformed.</summary>
    public static bool IsBlank(ReadOnlySpan<byte> line) => line.TrimStart(" \t\r"u8).IsEmpty;
}
