using System.Globalization;

namespace SocketAgent.Output.Json;

/// <summary>
/// Formats times as RFC 3339 UTC with nine fractional digits (<c>2026-11-25T13:00:00.123456700Z</c>): ECS
/// <c>date_nanos</c> precision. <see cref="DateTimeOffset"/> ticks are 100 ns, so the last two digits are 0.
/// </summary>
internal static class RfcTimestamp
{
    internal const int Length = 30;

    public static string Format(DateTimeOffset value)
    {
        Span<char> buffer = stackalloc char[Length];
        bool ok = value.UtcDateTime.TryFormat(buffer, out int written, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff", CultureInfo.InvariantCulture);
        // Years past 9999 cannot occur in a DateTimeOffset, so the 27 characters always fit.
        System.Diagnostics.Debug.Assert(ok && written == Length - 3);
        buffer[written++] = '0';
        buffer[written++] = '0';
        buffer[written++] = 'Z';
        return new string(buffer[..written]);
    }
}
