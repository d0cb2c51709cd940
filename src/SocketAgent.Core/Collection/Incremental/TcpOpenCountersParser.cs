using System.Buffers.Text;
using SocketAgent.Collection.Procfs;

namespace SocketAgent.Collection.Incremental;

/// <summary>
/// Pulls <see cref="TcpOpenCounters"/> out of <c>/proc/net/snmp</c> text (a <c>Tcp:</c> header line and its values
/// line, matched by column name). Cheaper than the full statistics parser: nothing is allocated, every cycle reads it.
/// </summary>
internal static class TcpOpenCountersParser
{
    public static bool TryParse(ReadOnlySpan<byte> snmp, out TcpOpenCounters counters)
    {
        counters = default;
        var lines = new ProcNetLines(snmp);
        while (lines.TryNext(out ReadOnlySpan<byte> header))
        {
            if (!header.StartsWith("Tcp:"u8))
            {
                continue;
            }
            if (!lines.TryNext(out ReadOnlySpan<byte> values) || !values.StartsWith("Tcp:"u8))
            {
                return false;
            }
            return TryMatch(header[4..], values[4..], out counters);
        }
        return false;
    }

    private static bool TryMatch(ReadOnlySpan<byte> names, ReadOnlySpan<byte> values, out TcpOpenCounters counters)
    {
        counters = default;
        long active = -1, passive = -1, current = -1;
        while (TryNextToken(ref names, out ReadOnlySpan<byte> name))
        {
            if (!TryNextToken(ref values, out ReadOnlySpan<byte> text)
                || !Utf8Parser.TryParse(text, out long value, out int consumed) || consumed != text.Length)
            {
                return false;
            }
            if (name.SequenceEqual("ActiveOpens"u8))
            {
                active = value;
            }
            else if (name.SequenceEqual("PassiveOpens"u8))
            {
                passive = value;
            }
            else if (name.SequenceEqual("CurrEstab"u8))
            {
                current = value;
            }
        }
        if (active < 0 || passive < 0 || current < 0)
        {
            return false;
        }
        counters = new TcpOpenCounters(active, passive, current);
        return true;
    }

    private static bool TryNextToken(ref ReadOnlySpan<byte> text, out ReadOnlySpan<byte> token)
    {
        text = text.TrimStart((byte)' ');
        int end = text.IndexOf((byte)' ');
        token = end < 0 ? text : text[..end];
        text = end < 0 ? default : text[end..];
        return token.Length > 0;
    }
}
