using System.Globalization;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Netstat;

/// <summary>
/// Prints <c>netstat -i</c> / <c>-ia</c> (net-tools 2.10 <c>ife_print_short</c>) byte for byte from rtnetlink links.
/// netstat builds its list from /proc/net/dev (one entry per device, with counters) plus SIOCGIFCONF (one entry per
/// IPv4 address label, so an alias such as <c>eth0:1</c> becomes its own row without counters), sorted by
/// <see cref="NetstatInterfaceNameComparer"/>; flags and MTU come from SIOCGIFFLAGS/SIOCGIFMTU, which answer an
/// alias with its device's values.
/// </summary>
internal sealed class NetstatInterfaceWriter
{
    private const uint IffUp = 0x1, IffBroadcast = 0x2, IffDebug = 0x4, IffLoopback = 0x8, IffPointToPoint = 0x10,
        IffNoTrailers = 0x20, IffRunning = 0x40, IffNoArp = 0x80, IffPromisc = 0x100, IffAllMulti = 0x200,
        IffMaster = 0x400, IffSlave = 0x800, IffMulticast = 0x1000, IffDynamic = 0x8000;

    private readonly NetstatInterfaceOptions _options;

    public NetstatInterfaceWriter(NetstatInterfaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    public void Write(IReadOnlyList<InterfaceRecord> interfaces, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        ArgumentNullException.ThrowIfNull(output);

        output.Write("Kernel Interface table\n");
        output.Write("Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n");
        foreach (Row row in BuildRows(interfaces))
        {
            if (_options.All || (row.Flags & IffUp) != 0)
            {
                WriteRow(row, output);
            }
        }
    }

    /// <summary>netstat's interface list: devices, then address labels, each inserted in nstrcmp order.</summary>
    internal static List<Row> BuildRows(IReadOnlyList<InterfaceRecord> interfaces)
    {
        var rows = new List<Row>(interfaces.Count);
        foreach (InterfaceRecord link in interfaces)
        {
            Insert(rows, new Row(link.Name, link.Mtu, link.Flags, link.Counters));
        }
        foreach (InterfaceRecord link in interfaces)
        {
            foreach (InterfaceAddress address in link.Addresses)
            {
                if (address.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork &&
                    !string.IsNullOrEmpty(address.Label))
                {
                    Insert(rows, new Row(address.Label, link.Mtu, link.Flags, Counters: null));
                }
            }
        }
        return rows;
    }

    // if_cache_add: walk back from the tail to the first entry not greater; an equal name is the same entry.
    private static void Insert(List<Row> rows, Row row)
    {
        int i = rows.Count - 1;
        for (; i >= 0; i--)
        {
            int order = NetstatInterfaceNameComparer.Compare(rows[i].Name, row.Name);
            if (order == 0)
            {
                return;
            }
            if (order < 0)
            {
                break;
            }
        }
        rows.Insert(i + 1, row);
    }

    private static void WriteRow(Row row, TextWriter output)
    {
        var line = new System.Text.StringBuilder(96);
        string name = row.Name.Length > 15 ? row.Name[..15] : row.Name;
        line.Append(name.PadRight(15)).Append(' ');
        AppendRight(line, (int)row.Mtu, 5).Append(' ');
        if (row.Counters is { } c)
        {
            // The columns of /proc/net/dev that netstat reads: "drop" is rx_dropped + rx_missed_errors and the
            // "OVR" columns are the fifo counters. RX-OVR is left-aligned: net-tools prints it with %-6lu.
            AppendRight(line, c.RxPackets, 8).Append(' ');
            AppendRight(line, c.RxErrors, 6).Append(' ');
            AppendRight(line, c.RxDropped + c.RxMissedErrors, 6).Append(' ');
            line.Append(c.RxFifoErrors.ToString(CultureInfo.InvariantCulture).PadRight(6)).Append(' ');
            AppendRight(line, c.TxPackets, 8).Append(' ');
            AppendRight(line, c.TxErrors, 6).Append(' ');
            AppendRight(line, c.TxDropped, 6).Append(' ');
            AppendRight(line, c.TxFifoErrors, 6).Append(' ');
        }
        else
        {
            line.Append("     - no statistics available -".PadRight(56));
        }

        AppendFlags(line, row.Flags & 0xFFFF); // SIOCGIFFLAGS returns a short: IFF_LOWER_UP and above never show.
        line.Append('\n');
        output.Write(line.ToString());
    }

    private static void AppendFlags(System.Text.StringBuilder line, uint flags)
    {
        if (flags == 0)
        {
            line.Append("[NO FLAGS]");
        }
        if ((flags & IffAllMulti) != 0) line.Append('A');
        if ((flags & IffBroadcast) != 0) line.Append('B');
        if ((flags & IffDebug) != 0) line.Append('D');
        if ((flags & IffLoopback) != 0) line.Append('L');
        if ((flags & IffMulticast) != 0) line.Append('M');
        if ((flags & IffDynamic) != 0) line.Append('d');
        if ((flags & IffPromisc) != 0) line.Append('P');
        if ((flags & IffNoTrailers) != 0) line.Append('N');
        if ((flags & IffNoArp) != 0) line.Append('O');
        if ((flags & IffPointToPoint) != 0) line.Append('P');
        if ((flags & IffSlave) != 0) line.Append('s');
        if ((flags & IffMaster) != 0) line.Append('m');
        if ((flags & IffRunning) != 0) line.Append('R');
        if ((flags & IffUp) != 0) line.Append('U');
    }

    private static System.Text.StringBuilder AppendRight(System.Text.StringBuilder line, long value, int width) =>
        line.Append(value.ToString(CultureInfo.InvariantCulture).PadLeft(width));

    private static System.Text.StringBuilder AppendRight(System.Text.StringBuilder line, ulong value, int width) =>
        line.Append(value.ToString(CultureInfo.InvariantCulture).PadLeft(width));

    /// <summary>One netstat interface entry; <see cref="Counters"/> is null for an address label (alias).</summary>
    internal sealed record Row(string Name, uint Mtu, uint Flags, InterfaceCounters? Counters);
}
