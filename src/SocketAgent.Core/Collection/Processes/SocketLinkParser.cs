using System.Buffers.Text;

namespace SocketAgent.Collection.Processes;

/// <summary>Parses the target of a <c>/proc/pid/fd/N</c> link: <c>socket:[INODE]</c> for sockets.</summary>
internal static class SocketLinkParser
{
    private static ReadOnlySpan<byte> Prefix => "socket:["u8;

    /// <summary>
    /// Returns the socket inode of a link target such as <c>socket:[123456]</c>; false for anything else
    /// (files, pipes <c>pipe:[N]</c>, <c>anon_inode:[eventfd]</c>, truncated or malformed targets).
    /// </summary>
    public static bool TryParseInode(ReadOnlySpan<byte> target, out ulong inode)
    {
        inode = 0;
        if (!target.StartsWith(Prefix))
        {
            return false;
        }

        ReadOnlySpan<byte> digits = target[Prefix.Length..];
        return Utf8Parser.TryParse(digits, out inode, out int consumed)
            && consumed > 0
            && consumed == digits.Length - 1
            && digits[consumed] == (byte)']'
            && inode != 0;
    }
}
