using System.Buffers.Text;

namespace SocketAgent.Collection.Namespaces;

/// <summary>
/// Parses the text nsfs links read as: <c>readlink /proc/PID/ns/net</c> (and <c>/proc/self/fd/N</c> of an open
/// namespace file) give <c>TYPE:[INODE]</c>, e.g. <c>net:[4026531840]</c>. The inode identifies the namespace.
/// </summary>
internal static class NamespaceLinkParser
{
    /// <summary>Parses <c>TYPE:[INODE]</c>; <paramref name="type"/> is e.g. <c>net</c>, <c>mnt</c>, <c>pid</c>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> link, out ReadOnlySpan<byte> type, out ulong inode)
    {
        type = default;
        inode = 0;

        int colon = link.IndexOf((byte)':');
        if (colon <= 0 || link.Length < colon + 4 || link[colon + 1] != (byte)'[' || link[^1] != (byte)']')
        {
            return false;
        }

        ReadOnlySpan<byte> digits = link[(colon + 2)..^1];
        // Utf8Parser accepts a prefix; demand that the whole bracketed text is the number (no sign, no spaces).
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange((byte)'0', (byte)'9') ||
            !Utf8Parser.TryParse(digits, out inode, out int consumed) || consumed != digits.Length)
        {
            inode = 0;
            return false;
        }

        type = link[..colon];
        return true;
    }

    /// <summary>Parses <c>net:[INODE]</c>; false for other namespace types and for anything else.</summary>
    public static bool TryParseNet(ReadOnlySpan<byte> link, out ulong inode)
    {
        if (TryParse(link, out ReadOnlySpan<byte> type, out inode) && type.SequenceEqual("net"u8))
        {
            return true;
        }
        inode = 0;
        return false;
    }
}
