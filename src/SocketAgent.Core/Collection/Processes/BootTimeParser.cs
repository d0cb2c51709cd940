using System.Buffers.Text;

namespace SocketAgent.Collection.Processes;

/// <summary>Reads the boot time (<c>btime</c>, seconds since the epoch) from <c>/proc/stat</c>.</summary>
internal static class BootTimeParser
{
    private static ReadOnlySpan<byte> Key => "btime "u8;

    // DateTimeOffset's limit (9999-12-31); anything later is corrupt input.
    private const long MaxUnixSeconds = 253_402_300_799;

    public static bool TryParse(ReadOnlySpan<byte> procStat, out long bootTimeSeconds)
    {
        bootTimeSeconds = 0;
        foreach (Range range in procStat.Split((byte)'\n'))
        {
            ReadOnlySpan<byte> line = procStat[range];
            if (line.StartsWith(Key))
            {
                ReadOnlySpan<byte> value = line[Key.Length..].Trim((byte)' ');
                return Utf8Parser.TryParse(value, out bootTimeSeconds, out int consumed)
                    && consumed == value.Length
                    && bootTimeSeconds > 0
                    && bootTimeSeconds <= MaxUnixSeconds;
            }
        }
        return false;
    }
}
