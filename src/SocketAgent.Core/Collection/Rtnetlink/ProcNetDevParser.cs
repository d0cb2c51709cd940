using System.Text;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>
/// Parses <c>/proc/net/dev</c>: two header lines, then <c>name: rx bytes packets errs drop fifo frame compressed
/// multicast, tx bytes packets errs drop fifo colls carrier compressed</c>.
/// </summary>
/// <remarks>
/// The kernel folds some counters together here: "drop" is rx_dropped + rx_missed_errors, "frame" is the sum of the
/// length, over, CRC and frame errors, and "carrier" the sum of carrier, aborted, window and heartbeat errors. The
/// sums land in <see cref="InterfaceCounters.RxDropped"/>, <see cref="InterfaceCounters.RxFrameErrors"/> and
/// <see cref="InterfaceCounters.TxCarrierErrors"/>; the other parts stay 0.
/// </remarks>
internal static class ProcNetDevParser
{
    private const int FieldCount = 16;

    /// <summary>Adds every interface of <paramref name="text"/> to <paramref name="interfaces"/>; returns the number of malformed lines skipped.</summary>
    public static int Parse(ReadOnlySpan<byte> text, List<(string Name, InterfaceCounters Counters)> interfaces)
    {
        int malformed = 0;
        var lines = new ProcNetLines(text);
        Span<ulong> values = stackalloc ulong[FieldCount];
        while (lines.TryNext(out ReadOnlySpan<byte> line))
        {
            if (ProcNetLines.IsBlank(line))
            {
                continue;
            }

            // Header lines have a '|' and no ':' ahead of it; data lines are "name:numbers" (a long name or counter
            // can leave no space after the colon). Names cannot contain ':'.
            int colon = line.IndexOf((byte)':');
            int bar = line.IndexOf((byte)'|');
            if (colon < 0 || (bar >= 0 && bar < colon))
            {
                if (bar < 0)
                {
                    malformed++;
                }
                continue;
            }

            ReadOnlySpan<byte> name = line[..colon].Trim(" \t"u8);
            var fields = new ProcNetTokenizer(line[(colon + 1)..]);
            int count = 0;
            bool ok = !name.IsEmpty;
            while (ok && fields.TryNext(out ReadOnlySpan<byte> token))
            {
                ok = count < FieldCount && ProcNetNumbers.TryParseDecimal(token, out values[count++]);
            }

            if (!ok || count != FieldCount)
            {
                malformed++;
                continue;
            }

            interfaces.Add((Encoding.UTF8.GetString(name), new InterfaceCounters
            {
                RxBytes = values[0],
                RxPackets = values[1],
                RxErrors = values[2],
                RxDropped = values[3],
                RxFifoErrors = values[4],
                RxFrameErrors = values[5],
                RxCompressed = values[6],
                Multicast = values[7],
                TxBytes = values[8],
                TxPackets = values[9],
                TxErrors = values[10],
                TxDropped = values[11],
                TxFifoErrors = values[12],
                Collisions = values[13],
                TxCarrierErrors = values[14],
                TxCompressed = values[15],
            }));
        }

        return malformed;
    }
}
