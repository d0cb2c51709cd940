using System.Net.Sockets;
using System.Text;
using SocketAgent.Model;

namespace SocketAgent.Collection.Procfs;

/// <summary>
/// Parses <c>/proc/net/unix</c> (net/unix/af_unix.c <c>unix_seq_show</c>):
/// <code>Num RefCount Protocol Flags Type St Inode Path</code>
/// printed as <c>"%pK: %08X %08X %08X %04X %02X %5lu"</c>, then, for a bound socket, one space and the name.
/// </summary>
/// <remarks>
/// <para>The name is the rest of the line after that one space, so paths keep their spaces; abstract names
/// already start with '@' (the kernel prints their NULs as '@'). The table has no peer inode and no queues, so
/// those stay 0.</para>
/// <para>State: the kernel derives St from sk_state (SS_UNCONNECTED 1, SS_CONNECTING 2 for a connection still
/// waiting in a listener's queue, SS_CONNECTED 3, SS_DISCONNECTING 4 for an orphan) and marks listeners with
/// <c>__SO_ACCEPTCON</c> (0x10000) in Flags. We map it to <see cref="KernelSocketState"/> so that
/// <see cref="SocketStateNames.Netstat"/> prints what netstat prints: Listen, Close, SynSent (CONNECTING),
/// Established (CONNECTED), CloseWait (DISCONNECTING). sock_diag reports the embryo of case 2 as ESTABLISHED,
/// which is the one place the sources differ.</para>
/// </remarks>
internal static class ProcNetUnixParser
{
    /// <summary>The kernel's <c>__SO_ACCEPTCON</c>: set in Flags for listening sockets.</summary>
    public const uint AcceptConnectionsFlag = 0x10000;

    /// <summary>
    /// Parses every data line of <paramref name="text"/> into <paramref name="results"/>; the header and blank lines
    /// are skipped, malformed lines skipped and counted as <see cref="ProcfsCounters.LinesMalformed"/>.
    /// </summary>
    /// <param name="listeningOnly">Keep only listening sockets.</param>
    /// <returns>The number of malformed lines.</returns>
    public static int Parse(ReadOnlySpan<byte> text, bool listeningOnly, List<SocketRecord> results, CollectionDiagnostics diagnostics)
    {
        int malformed = 0;
        var lines = new ProcNetLines(text);
        while (lines.TryNext(out ReadOnlySpan<byte> line))
        {
            if (ProcNetLines.IsBlank(line))
            {
                continue;
            }

            var fields = new ProcNetTokenizer(line);
            if (!fields.TryNext(out ReadOnlySpan<byte> num))
            {
                malformed++;
                continue;
            }
            if (num.SequenceEqual("Num"u8))
            {
                continue; // the header
            }

            if (num[^1] != (byte)':' ||
                !fields.TryNext(out ReadOnlySpan<byte> refCountField) ||
                !ProcNetNumbers.TryParseHex(refCountField, out uint refCount) || refCount > int.MaxValue ||
                !fields.TryNext(out ReadOnlySpan<byte> protocolField) ||
                !ProcNetNumbers.TryParseHex(protocolField, out _) ||
                !fields.TryNext(out ReadOnlySpan<byte> flagsField) ||
                !ProcNetNumbers.TryParseHex(flagsField, out uint flags) ||
                !fields.TryNext(out ReadOnlySpan<byte> typeField) ||
                !ProcNetNumbers.TryParseHex(typeField, out uint type) || type > byte.MaxValue ||
                !fields.TryNext(out ReadOnlySpan<byte> stField) ||
                !ProcNetNumbers.TryParseHex(stField, out uint st) ||
                !fields.TryNext(out ReadOnlySpan<byte> inodeField) ||
                !ProcNetNumbers.TryParseDecimal(inodeField, out ulong inode))
            {
                malformed++;
                continue;
            }

            KernelSocketState state = ToKernelState(flags, st);
            if (listeningOnly && state != KernelSocketState.Listen)
            {
                continue;
            }

            // Exactly one space separates the inode from the name; everything after it is the name.
            ReadOnlySpan<byte> rest = fields.Remaining;
            string? path = rest.Length > 1 && rest[0] == (byte)' ' ? Encoding.UTF8.GetString(rest[1..]) : null;

            results.Add(new SocketRecord
            {
                Transport = Transport.Unix,
                Family = AddressFamily.Unix,
                State = state,
                Inode = inode,
                UnixType = (UnixSocketType)type,
                UnixPath = path,
                UnixRefCount = (int)refCount,
                UnixFlags = flags,
            });
        }

        if (malformed > 0)
        {
            diagnostics.Count(ProcfsCounters.LinesMalformed, malformed);
        }
        return malformed;
    }

    /// <summary>Maps Flags and the SS_* St column to the sk_state-style value both sources use.</summary>
    public static KernelSocketState ToKernelState(uint flags, uint socketState)
    {
        if ((flags & AcceptConnectionsFlag) != 0)
        {
            return KernelSocketState.Listen;
        }

        return socketState switch
        {
            1 => KernelSocketState.Close,       // SS_UNCONNECTED
            2 => KernelSocketState.SynSent,     // SS_CONNECTING
            3 => KernelSocketState.Established, // SS_CONNECTED
            4 => KernelSocketState.CloseWait,   // SS_DISCONNECTING
            _ => KernelSocketState.Unknown,
        };
    }
}
