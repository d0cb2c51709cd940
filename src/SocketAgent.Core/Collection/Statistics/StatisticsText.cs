using System.Text;
using SocketAgent.Collection.Procfs;

namespace SocketAgent.Collection.Statistics;

/// <summary>Token and number helpers shared by the <c>/proc/net/snmp</c>-style and <c>snmp6</c> parsers.</summary>
internal static class StatisticsText
{
    /// <summary>The diagnostics counter for every skipped group (snmp, netstat) or line (snmp6).</summary>
    public const string MalformedCounter = "statistics.lines_malformed";

    private static ReadOnlySpan<byte> Separators => " \t\r"u8;

    /// <summary>Splits off the next space/tab separated token; false when only separators are left.</summary>
    public static bool TryNextToken(scoped ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> token)
    {
        rest = rest.TrimStart(Separators);
        if (rest.IsEmpty)
        {
            token = default;
            return false;
        }
        int end = rest.IndexOfAny(Separators);
        if (end < 0)
        {
            token = rest;
            rest = default;
        }
        else
        {
            token = rest[..end];
            rest = rest[end..];
        }
        return true;
    }

    /// <summary>
    /// Parses a counter value. The kernel prints most counters as unsigned 64-bit (<c>%lu</c>) and a few as signed
    /// (<c>Tcp: MaxConn</c> is -1), so both forms are accepted; an unsigned value above <see cref="long.MaxValue"/>
    /// keeps its 64 bits (read it back as <c>(ulong)value</c>, as netstat's <c>%llu</c> does).
    /// </summary>
    public static bool TryParseValue(ReadOnlySpan<byte> text, out long value)
    {
        bool negative = !text.IsEmpty && text[0] == (byte)'-';
        if (!ProcNetNumbers.TryParseDecimal(negative ? text[1..] : text, out ulong magnitude))
        {
            value = 0;
            return false;
        }
        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1)
            {
                value = 0;
                return false;
            }
            value = unchecked(-(long)magnitude);
            return true;
        }
        value = unchecked((long)magnitude);
        return true;
    }

    /// <summary>
    /// A kernel name (group or counter): a letter, then printable ASCII without spaces. Never a number, so a values
    /// line is never taken for a header.
    /// </summary>
    public static bool IsName(ReadOnlySpan<byte> token) =>
        !token.IsEmpty && char.IsAsciiLetter((char)token[0]) && !token.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E);

    public static string ToName(ReadOnlySpan<byte> token) => Encoding.ASCII.GetString(token);
}
