namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// The request line of an HTTP/1.x request head: <c>METHOD SP request-target SP HTTP/1.x</c> (RFC 9112 §3). The
/// endpoint answers GET and HEAD without a body, so the header fields that follow are read past and ignored.
/// </summary>
internal static class HttpRequestHead
{
    private const int MaxMethodLength = 16;

    /// <summary>
    /// Where the head ends (just after its blank line) within <paramref name="received"/>, or -1 while incomplete.
    /// A bare LF line end is accepted too (RFC 9112 §2.2 allows it).
    /// </summary>
    public static int FindEnd(ReadOnlySpan<byte> received)
    {
        int crlf = received.IndexOf("\r\n\r\n"u8);
        int lf = received.IndexOf("\n\n"u8);
        if (crlf >= 0 && (lf < 0 || crlf + 2 <= lf))
        {
            return crlf + 4;
        }
        return lf >= 0 ? lf + 2 : -1;
    }

    /// <param name="head">The request head, as far as <see cref="FindEnd"/>.</param>
    /// <param name="method">GET, HEAD… (case-sensitive, as the RFC says).</param>
    /// <param name="path">The target's path: origin-form (<c>/metrics</c>) without its query.</param>
    /// <returns>False for a malformed request line: the caller answers 400.</returns>
    public static bool TryParse(ReadOnlySpan<byte> head, out ReadOnlySpan<byte> method, out ReadOnlySpan<byte> path)
    {
        method = path = default;
        int lineEnd = head.IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            return false;
        }
        ReadOnlySpan<byte> line = head[..lineEnd];
        if (!line.IsEmpty && line[^1] == '\r')
        {
            line = line[..^1];
        }

        int firstSpace = line.IndexOf((byte)' ');
        if (firstSpace is <= 0 or > MaxMethodLength)
        {
            return false;
        }
        method = line[..firstSpace];
        foreach (byte b in method)
        {
            if (!char.IsAsciiLetterUpper((char)b))
            {
                return false;
            }
        }

        ReadOnlySpan<byte> rest = line[(firstSpace + 1)..];
        int secondSpace = rest.IndexOf((byte)' ');
        if (secondSpace <= 0)
        {
            return false;
        }
        ReadOnlySpan<byte> target = rest[..secondSpace];
        ReadOnlySpan<byte> version = rest[(secondSpace + 1)..];
        if (!(version.SequenceEqual("HTTP/1.1"u8) || version.SequenceEqual("HTTP/1.0"u8)) || target[0] != '/')
        {
            return false;
        }
        foreach (byte b in target)
        {
            if (b <= ' ' || b >= 0x7F)
            {
                return false;
            }
        }
        int query = target.IndexOfAny((byte)'?', (byte)'#');
        path = query < 0 ? target : target[..query];
        return true;
    }
}
