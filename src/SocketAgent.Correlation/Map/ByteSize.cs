using System.Globalization;

namespace SocketAgent.Correlation.Map;

/// <summary>Byte counts for people, in powers of 1024 with one decimal (<c>850 B</c>, <c>12.3 KiB</c>, <c>1.5 GiB</c>).</summary>
internal static class ByteSize
{
    private static readonly string[] s_units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    public static string Format(long bytes)
    {
        if (bytes < 1024)
        {
            return $"{bytes} B";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < s_units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        // 1023.96 KiB would print as 1024.0 KiB: say 1.0 MiB instead.
        if (Math.Round(value, 1) >= 1024 && unit < s_units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + s_units[unit];
    }
}
