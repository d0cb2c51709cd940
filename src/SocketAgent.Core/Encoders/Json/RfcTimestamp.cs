using System.Text;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Formats times as RFC 3339 UTC with nine fractional digits (<c>2026-11-25T13:00:00.123456700Z</c>): ECS
/// <c>date_nanos</c> precision. <see cref="DateTimeOffset"/> ticks are 100 ns, so the last two digits are 0.
/// </summary>
internal static class RfcTimestamp
{
    internal const int Length = 30;

    public static string Format(DateTimeOffset value)
    {
        Span<byte> utf8 = stackalloc byte[Length];
        Format(value, utf8);
        return Encoding.ASCII.GetString(utf8);
    }

    /// <summary>Writes the <see cref="Length"/> ASCII characters of <paramref name="value"/> into <paramref name="destination"/>.</summary>
    public static void Format(DateTimeOffset value, Span<byte> destination)
    {
        // By hand rather than with a custom format string: lines of every event carry one or two of these.
        // Years past 9999 cannot occur in a DateTimeOffset, so four digits always fit.
        DateTime utc = value.UtcDateTime;
        (int year, int month, int day) = utc;
        Span<byte> d = destination[..Length];
        Digits(d[0..4], year);
        d[4] = (byte)'-';
        Digits(d[5..7], month);
        d[7] = (byte)'-';
        Digits(d[8..10], day);
        d[10] = (byte)'T';
        Digits(d[11..13], utc.Hour);
        d[13] = (byte)':';
        Digits(d[14..16], utc.Minute);
        d[16] = (byte)':';
        Digits(d[17..19], utc.Second);
        d[19] = (byte)'.';
        Digits(d[20..27], (int)(utc.Ticks % TimeSpan.TicksPerSecond));
        d[27] = (byte)'0';
        d[28] = (byte)'0';
        d[29] = (byte)'Z';
    }

    private static void Digits(Span<byte> destination, int value)
    {
        for (int i = destination.Length - 1; i >= 0; i--)
        {
            (value, int digit) = Math.DivRem(value, 10);
            destination[i] = (byte)('0' + digit);
        }
    }
}
