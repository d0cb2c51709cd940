using System.Globalization;

namespace SocketAgent.Cli.Configuration;

/// <summary>
/// Durations as operators write them: <c>500ms</c>, <c>5s</c>, <c>1.5s</c>, <c>1m</c>, <c>2h</c> (also <c>us</c>),
/// or a .NET TimeSpan (<c>00:00:05</c>). Printed back in the shortest exact unit.
/// </summary>
internal static class DurationText
{
    public const string Expected = "a duration such as 500ms, 5s or 1m";

    public static bool TryParse(ReadOnlySpan<char> text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        int unitStart = text.Length;
        while (unitStart > 0 && char.IsAsciiLetter(text[unitStart - 1]))
        {
            unitStart--;
        }
        ReadOnlySpan<char> unit = text[unitStart..];
        ReadOnlySpan<char> number = text[..unitStart];
        if (unit.IsEmpty)
        {
            // "00:00:05" (a plain number without a unit is ambiguous: refused).
            return number.Contains(':') && TimeSpan.TryParse(number, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
        }

        double ticksPerUnit = unit switch
        {
            "us" or "µs" => TimeSpan.TicksPerMicrosecond,
            "ms" => TimeSpan.TicksPerMillisecond,
            "s" => TimeSpan.TicksPerSecond,
            "m" or "min" => TimeSpan.TicksPerMinute,
            "h" => TimeSpan.TicksPerHour,
            _ => 0,
        };
        if (ticksPerUnit == 0 || number.IsEmpty
            || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
        {
            return false;
        }
        double ticks = Math.Round(value * ticksPerUnit);
        if (!(ticks <= TimeSpan.MaxValue.Ticks))
        {
            return false;
        }
        duration = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    public static string Format(TimeSpan duration)
    {
        long ticks = duration.Ticks;
        if (ticks > 0)
        {
            if (ticks % TimeSpan.TicksPerHour == 0) return $"{ticks / TimeSpan.TicksPerHour}h";
            if (ticks % TimeSpan.TicksPerMinute == 0) return $"{ticks / TimeSpan.TicksPerMinute}m";
            if (ticks % TimeSpan.TicksPerSecond == 0) return $"{ticks / TimeSpan.TicksPerSecond}s";
            if (ticks % TimeSpan.TicksPerMillisecond == 0) return $"{ticks / TimeSpan.TicksPerMillisecond}ms";
            if (ticks % TimeSpan.TicksPerMicrosecond == 0) return $"{ticks / TimeSpan.TicksPerMicrosecond}us";
        }
        return duration.ToString("c", CultureInfo.InvariantCulture);
    }
}
