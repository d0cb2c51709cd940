using System.Buffers.Text;

namespace SocketAgent.Correlation;

/// <summary>
/// Event times as nanoseconds since the Unix epoch (the agent prints nine fractional digits), parsed and formatted
/// by hand for the agent's fixed <c>yyyy-MM-ddTHH:mm:ss.fffffffffZ</c> layout, with a general ISO 8601 fallback.
/// </summary>
internal static class EventTimestamp
{
    public const long Unknown = long.MinValue;
    private const long NanosecondsPerTick = 100;

    public static bool TryParse(ReadOnlySpan<byte> utf8, out long nanoseconds)
    {
        nanoseconds = Unknown;
        if (utf8.Length >= 20 && utf8[4] == '-' && utf8[7] == '-' && utf8[10] == 'T' && utf8[13] == ':' && utf8[16] == ':' && utf8[^1] == 'Z'
            && TryDigits(utf8.Slice(0, 4), out int year) && TryDigits(utf8.Slice(5, 2), out int month) && TryDigits(utf8.Slice(8, 2), out int day)
            && TryDigits(utf8.Slice(11, 2), out int hour) && TryDigits(utf8.Slice(14, 2), out int minute) && TryDigits(utf8.Slice(17, 2), out int second)
            && year is >= 1970 and <= 2261 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            && hour < 24 && minute < 60 && second < 60)
        {
            long fraction = 0;
            ReadOnlySpan<byte> rest = utf8[19..^1];
            if (!rest.IsEmpty)
            {
                if (rest[0] != '.' || rest.Length is < 2 or > 10)
                {
                    return TryParseGeneral(utf8, out nanoseconds);
                }
                int digits = rest.Length - 1;
                for (int i = 1; i < rest.Length; i++)
                {
                    uint d = (uint)(rest[i] - '0');
                    if (d > 9)
                    {
                        return false;
                    }
                    fraction = fraction * 10 + d;
                }
                for (int i = digits; i < 9; i++)
                {
                    fraction *= 10;
                }
            }
            long ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks - DateTime.UnixEpoch.Ticks;
            nanoseconds = ticks * NanosecondsPerTick + fraction;
            return true;
        }
        return TryParseGeneral(utf8, out nanoseconds);
    }

    private static bool TryParseGeneral(ReadOnlySpan<byte> utf8, out long nanoseconds)
    {
        nanoseconds = Unknown;
        Span<char> chars = stackalloc char[48];
        if (utf8.Length > chars.Length)
        {
            return false;
        }
        for (int i = 0; i < utf8.Length; i++)
        {
            chars[i] = (char)utf8[i];
        }
        if (!DateTimeOffset.TryParse(chars[..utf8.Length], System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out DateTimeOffset value))
        {
            return false;
        }
        nanoseconds = (value.UtcTicks - DateTime.UnixEpoch.Ticks) * NanosecondsPerTick;
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<byte> utf8, out int value) =>
        Utf8Parser.TryParse(utf8, out value, out int consumed) && consumed == utf8.Length && value >= 0;

    /// <summary>Writes <c>yyyy-MM-ddTHH:mm:ss.fffffffffZ</c> (30 bytes), the agent's own layout.</summary>
    public static int Format(long nanoseconds, Span<byte> destination)
    {
        long ticks = Math.DivRem(nanoseconds, NanosecondsPerTick, out long _);
        var time = new DateTime(DateTime.UnixEpoch.Ticks + ticks, DateTimeKind.Utc);
        Utf8Formatter.TryFormat(time, destination, out int written, new System.Buffers.StandardFormat('O'));
        // 'O' gives seven fractional digits and a Z: write the full nine from the nanoseconds instead.
        int dot = 19;
        long fraction = nanoseconds % 1_000_000_000;
        if (fraction < 0)
        {
            fraction += 1_000_000_000;
        }
        destination[dot] = (byte)'.';
        for (int i = 9; i >= 1; i--)
        {
            destination[dot + i] = (byte)('0' + (int)(fraction % 10));
            fraction /= 10;
        }
        destination[dot + 10] = (byte)'Z';
        _ = written;
        return dot + 11;
    }

    public static string ToText(long nanoseconds)
    {
        Span<byte> buffer = stackalloc byte[40];
        int length = Format(nanoseconds, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer[..length]);
    }
}
