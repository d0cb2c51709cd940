using System.Buffers.Text;

namespace SocketAgent.Collection.Processes;

/// <summary>Reads the real uid from the <c>Uid:</c> line of <c>/proc/pid/status</c> (<c>Uid: real effective saved fs</c>).</summary>
internal static class ProcStatusParser
{
    private static ReadOnlySpan<byte> Key => "Uid:"u8;

    public static bool TryParseRealUid(ReadOnlySpan<byte> status, out uint uid)
    {
        uid = 0;
        foreach (Range range in status.Split((byte)'\n'))
        {
            ReadOnlySpan<byte> line = status[range];
            if (!line.StartsWith(Key))
            {
                continue;
            }

            ReadOnlySpan<byte> values = line[Key.Length..].TrimStart("\t "u8);
            int end = values.IndexOfAny("\t "u8);
            ReadOnlySpan<byte> real = end < 0 ? values : values[..end];
            return Utf8Parser.TryParse(real, out uid, out int consumed) && consumed == real.Length && consumed > 0;
        }
        return false;
    }
}
