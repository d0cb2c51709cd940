using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Netstat;

/// <summary>
/// Writes a <see cref="SocketSnapshot"/> as net-tools 2.10 <c>netstat</c> prints its socket tables, byte for byte:
/// the "Active Internet connections" table (tcp, tcp6, udp, udp6, raw, raw6 rows, in that order, each in the order
/// the source read them — netstat's /proc/net file order) and then "Active UNIX domain sockets".
/// </summary>
/// <remarks>
/// Formats come from net-tools <c>netstat.c</c> (<c>tcp_do_one</c>, <c>udp_do_one</c>, <c>raw_do_one</c>,
/// <c>unix_do_one</c>, <c>finish_this_one</c>, <c>main</c>) and were checked against the installed binary.
/// </remarks>
internal sealed class NetstatTableWriter
{
    /// <summary>Bit of /proc/net/unix Flags set on listening sockets (<c>__SO_ACCEPTCON</c>).</summary>
    internal const uint UnixAcceptCon = 1u << 16;
    private const uint UnixWaitData = 1u << 17;
    private const uint UnixNoSpace = 1u << 18;

    private const string InetHeader = "Proto Recv-Q Send-Q Local Address           Foreign Address         State      ";
    private const string ExtendedHeader = " User       Inode     ";
    private const string UnixHeader = "Proto RefCnt Flags       Type       State         I-Node  ";

    private readonly NetstatOptions _options;
    private readonly INameResolver _names;

    public NetstatTableWriter(NetstatOptions options, INameResolver names)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(names);
        _options = options;
        _names = names;
    }

    /// <summary>Looks up every host name the table needs (all at once, bounded), then writes the table.</summary>
    public async Task WriteAsync(SocketSnapshot snapshot, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(output);
        Rows rows = SelectRows(snapshot.Sockets);
        if (_options.ResolvesHosts)
        {
            await _names.PrepareHostsAsync(CollectLookupAddresses(rows), cancellationToken).ConfigureAwait(false);
        }
        WriteRows(rows, snapshot.Owners, output);
    }

    /// <summary>
    /// Writes the table with the names the resolver already has (all numeric with <see cref="NumericNameResolver"/>).
    /// </summary>
    public void Write(SocketSnapshot snapshot, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(output);
        WriteRows(SelectRows(snapshot.Sockets), snapshot.Owners, output);
    }

    /// <summary>
    /// The notice netstat <c>-p</c> writes to <b>stderr</b> when some processes' descriptors could not be read, or
    /// null when there is none. <paramref name="effectiveUid"/> is printed in the "nothing readable" form.
    /// </summary>
    public static string? ProgramWarning(SocketOwners owners, uint effectiveUid)
    {
        ArgumentNullException.ThrowIfNull(owners);
        if (owners.ProcessesDenied == 0)
        {
            return null;
        }
        return owners.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"(No info could be read for \"-p\": geteuid()={effectiveUid} but you should be root.)\n")
            : "(Not all processes could be identified, non-owned process info\n will not be shown, you would have to be root to see it all.)\n";
    }

    // ---- selection (netstat's -l / -a rules, per protocol) ----

    private sealed class Rows
    {
        // tcp, tcp6, udp, udp6, raw, raw6: netstat reads /proc/net/tcp, then tcp6, then udp, ...
        public readonly List<SocketRecord>[] Inet = [[], [], [], [], [], []];
        public readonly List<SocketRecord> Unix = [];
    }

    private Rows SelectRows(IReadOnlyList<SocketRecord> sockets)
    {
        var rows = new Rows();
        foreach (SocketRecord socket in sockets)
        {
            if ((_options.Transports & socket.Transport.ToSet()) == 0 || !IsPrintedState(socket) || !PassesServerFilter(socket))
            {
                continue;
            }
            if (socket.Transport == Transport.Unix)
            {
                rows.Unix.Add(socket);
                continue;
            }
            bool v6 = socket.TableFamily == AddressFamily.InterNetworkV6;
            if ((_options.Families & (v6 ? IpFamilySet.IPv6 : IpFamilySet.IPv4)) == 0)
            {
                continue;
            }
            int section = socket.Transport switch
            {
                Transport.Tcp => 0,
                Transport.Udp => 2,
                _ => 4,
            };
            rows.Inet[section + (v6 ? 1 : 0)].Add(socket);
        }
        return rows;
    }

    // /proc/net/tcp never lists bound-but-inactive sockets (sock_diag may), so netstat cannot show them.
    private static bool IsPrintedState(SocketRecord socket) =>
        socket.Transport != Transport.Tcp || socket.State != KernelSocketState.BoundInactive;

    private bool PassesServerFilter(SocketRecord socket)
    {
        if (_options.All)
        {
            return true;
        }
        return IsServer(socket) == _options.Listening;
    }

    /// <summary>
    /// netstat's notion of a server: TCP with remote port 0 (not the LISTEN state), UDP and raw with no remote
    /// address, UNIX sockets flagged <c>__SO_ACCEPTCON</c>.
    /// </summary>
    internal static bool IsServer(SocketRecord socket) => socket.Transport switch
    {
        Transport.Tcp => socket.RemotePort == 0,
        Transport.Unix => IsUnixListener(socket),
        _ => NetstatAddressText.IsUnspecified(socket.RemoteAddress),
    };

    private static bool IsUnixListener(SocketRecord socket) =>
        socket.State == KernelSocketState.Listen || ((socket.UnixFlags ?? 0) & UnixAcceptCon) != 0;

    private IReadOnlyCollection<IPAddress> CollectLookupAddresses(Rows rows)
    {
        var addresses = new HashSet<IPAddress>();
        foreach (List<SocketRecord> section in rows.Inet)
        {
            foreach (SocketRecord socket in section)
            {
                AddLookupAddress(addresses, socket.LocalAddress, socket.TableFamily);
                AddLookupAddress(addresses, socket.RemoteAddress, socket.TableFamily);
            }
        }
        return addresses;
    }

    private static void AddLookupAddress(HashSet<IPAddress> addresses, IPAddress? address, AddressFamily family)
    {
        if (!NetstatAddressText.IsUnspecified(address))
        {
            addresses.Add(LookupKey(address!, family));
        }
    }

    // netstat looks up what the kernel file holds: an IPv6 socket's IPv4 peer is ::ffff:a.b.c.d, and is looked up so.
    private static IPAddress LookupKey(IPAddress address, AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 && address.AddressFamily == AddressFamily.InterNetwork ? address.MapToIPv6() : address;

    // ---- output ----

    private void WriteRows(Rows rows, SocketOwners owners, TextWriter output)
    {
        var line = new StringBuilder(160);
        bool inet = (_options.Transports & TransportSet.Inet) != 0;
        if (inet)
        {
            line.Append("Active Internet connections ").Append(Scope()).Append('\n');
            line.Append(InetHeader);
            if (_options.Extended)
            {
                line.Append(ExtendedHeader);
            }
            AppendProgramBanner(line);
            line.Append('\n');
            output.Write(line);
            foreach (List<SocketRecord> section in rows.Inet)
            {
                foreach (SocketRecord socket in section)
                {
                    line.Clear();
                    AppendInetRow(line, socket, owners);
                    output.Write(line);
                }
            }
        }
        if ((_options.Transports & TransportSet.Unix) != 0)
        {
            line.Clear();
            line.Append("Active UNIX domain sockets ").Append(Scope()).Append('\n');
            line.Append(UnixHeader);
            AppendProgramBanner(line);
            line.Append(" Path\n");
            output.Write(line);
            foreach (SocketRecord socket in rows.Unix)
            {
                line.Clear();
                AppendUnixRow(line, socket, owners);
                output.Write(line);
            }
        }
    }

    private string Scope() =>
        _options.All ? "(servers and established)" : _options.Listening ? "(only servers)" : "(w/o servers)";

    private void AppendProgramBanner(StringBuilder line)
    {
        if (_options.ProgramColumn)
        {
            line.Append(' ');
            AppendLeft(line, "PID/Program name", NetstatProgramName.ColumnWidth);
        }
    }

    // "%-4s  %6ld %6ld %-23s %-23s %-11s" then finish_this_one: " %-10s %-10lu" with -e, " %-20s" with -p.
    private void AppendInetRow(StringBuilder line, SocketRecord socket, SocketOwners owners)
    {
        bool v6 = socket.TableFamily == AddressFamily.InterNetworkV6;
        string protocol = socket.Transport switch
        {
            Transport.Tcp => v6 ? "tcp6" : "tcp",
            Transport.Udp => v6 ? "udp6" : "udp",
            _ => v6 ? "raw6" : "raw",
        };
        AppendLeft(line, protocol, 4);
        line.Append("  ");
        AppendRight(line, socket.RecvQueue, 6);
        line.Append(' ');
        // /proc/net/tcp's tx_queue of a listener is write_seq - snd_una, i.e. 0; sock_diag reports the backlog
        // limit there instead, which netstat never shows.
        ulong sendQueue = socket.Transport == Transport.Tcp && socket.State == KernelSocketState.Listen ? 0 : socket.SendQueue;
        AppendRight(line, sendQueue, 6);
        line.Append(' ');

        int localPort = socket.Transport == Transport.Raw && socket.RawProtocol != 0 ? socket.RawProtocol : socket.LocalPort;
        AppendLeft(line, Endpoint(socket.LocalAddress, localPort, socket), 23);
        line.Append(' ');
        AppendLeft(line, Endpoint(socket.RemoteAddress, socket.RemotePort, socket), 23);
        line.Append(' ');
        AppendLeft(line, StateText(socket), 11);

        if (_options.Extended)
        {
            line.Append(' ');
            string? user = _options.NumericUsers ? null : _names.UserName(socket.Uid);
            AppendLeft(line, user ?? socket.Uid.ToString(CultureInfo.InvariantCulture), 10);
            line.Append(' ');
            AppendLeft(line, socket.Inode.ToString(CultureInfo.InvariantCulture), 10);
        }
        AppendProgram(line, socket, owners);
        line.Append('\n');
    }

    private static string StateText(SocketRecord socket) => socket.Transport switch
    {
        Transport.Tcp => socket.State switch
        {
            KernelSocketState.Unknown => string.Empty, // netstat's tcp_state[0]
            KernelSocketState.NewSynRecv => "SYN_RECV", // /proc/net/tcp prints request sockets as SYN_RECV
            _ => SocketStateNames.Tcp(socket.State),
        },
        Transport.Udp => socket.State switch
        {
            KernelSocketState.Established => "ESTABLISHED",
            KernelSocketState.Close => string.Empty,
            _ => "UNKNOWN",
        },
        _ => ((int)socket.State).ToString(CultureInfo.InvariantCulture), // raw: "%-11d"
    };

    private string Endpoint(IPAddress? address, int port, SocketRecord socket) =>
        NetstatAddressText.Endpoint(HostText(address, socket.TableFamily), PortText(port, socket.Transport), _options.Wide);

    private string HostText(IPAddress? address, AddressFamily family)
    {
        bool v6 = family == AddressFamily.InterNetworkV6;
        if (NetstatAddressText.IsUnspecified(address))
        {
            // INET_rresolve prints 0.0.0.0 either way; INET6_rresolve says [::] unless numeric.
            return v6 ? (_options.NumericHosts ? "::" : "[::]") : "0.0.0.0";
        }
        if (!_options.NumericHosts && _names.HostName(LookupKey(address!, family)) is string name)
        {
            return name;
        }
        return NetstatAddressText.Numeric(address!, family);
    }

    // get_sname: port 0 is "*" even with names; raw sockets look their protocol number up in /etc/protocols.
    private string PortText(int port, Transport transport)
    {
        if (port == 0)
        {
            return "*";
        }
        if (!_options.NumericPorts && _names.ServiceName(port, transport) is string name)
        {
            return name;
        }
        return port.ToString(CultureInfo.InvariantCulture);
    }

    // "%-5s %-6ld %-11s %-10s %-13s " "%-8lu" [" %-20s"] " %s\n"
    private void AppendUnixRow(StringBuilder line, SocketRecord socket, SocketOwners owners)
    {
        bool listening = IsUnixListener(socket);
        uint flags = socket.UnixFlags ?? (listening ? UnixAcceptCon : 0);
        line.Append("unix  ");
        AppendLeft(line, UnixRefCount(socket).ToString(CultureInfo.InvariantCulture), 6);
        line.Append(' ');
        int flagsStart = line.Length;
        line.Append("[ ");
        if ((flags & UnixAcceptCon) != 0 || listening)
        {
            line.Append("ACC ");
        }
        if ((flags & UnixWaitData) != 0)
        {
            line.Append("W ");
        }
        if ((flags & UnixNoSpace) != 0)
        {
            line.Append("N ");
        }
        line.Append(']');
        PadTo(line, flagsStart, 11);
        line.Append(' ');
        AppendLeft(line, UnixTypeText(socket.UnixType), 10);
        line.Append(' ');
        AppendLeft(line, listening ? "LISTENING" : SocketStateNames.Netstat(Transport.Unix, socket.State), 13);
        line.Append(' ');
        AppendLeft(line, socket.Inode.ToString(CultureInfo.InvariantCulture), 8);
        AppendProgram(line, socket, owners);
        line.Append(' ');
        AppendUnixPath(line, socket.UnixPath);
        line.Append('\n');
    }

    // sock_diag has no refcount. Most sockets hold 2 references; a connected stream socket's peer holds a third.
    private static int UnixRefCount(SocketRecord socket) =>
        socket.UnixRefCount ?? (socket.UnixPeerInode != 0 && socket.UnixType is UnixSocketType.Stream or UnixSocketType.SeqPacket ? 3 : 2);

    private static string UnixTypeText(UnixSocketType type) => type switch
    {
        UnixSocketType.Stream => "STREAM",
        UnixSocketType.Dgram => "DGRAM",
        UnixSocketType.Raw => "RAW",
        UnixSocketType.Rdm => "RDM",
        UnixSocketType.SeqPacket => "SEQPACKET",
        _ => "UNKNOWN",
    };

    // netstat reads the path with sscanf("%s"), so it ends at the first blank: "/run/my socket" prints "/run/my".
    private static void AppendUnixPath(StringBuilder line, string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return;
        }
        int end = path.AsSpan().IndexOfAny(" \t\n\v\f\r");
        line.Append(end < 0 ? path : path.AsSpan(0, end));
    }

    private void AppendProgram(StringBuilder line, SocketRecord socket, SocketOwners owners)
    {
        if (!_options.ProgramColumn)
        {
            return;
        }
        IReadOnlyList<ProcessInfo> holders = owners.Lookup(socket.Inode);
        string text = holders.Count == 0
            ? NetstatProgramName.Unknown
            : _options.CommandLine ? NetstatProgramName.FormatCommandLine(holders[0]) : NetstatProgramName.Format(holders[0]);
        line.Append(' ');
        AppendLeft(line, text, NetstatProgramName.ColumnWidth);
    }

    // printf "%-Ns": pad on the right, never cut.
    private static void AppendLeft(StringBuilder line, string text, int width)
    {
        int start = line.Length;
        line.Append(text);
        PadTo(line, start, width);
    }

    private static void PadTo(StringBuilder line, int start, int width)
    {
        int written = line.Length - start;
        if (written < width)
        {
            line.Append(' ', width - written);
        }
    }

    // printf "%Nld": pad on the left.
    private static void AppendRight(StringBuilder line, ulong value, int width)
    {
        Span<char> digits = stackalloc char[20];
        value.TryFormat(digits, out int length, default, CultureInfo.InvariantCulture);
        if (length < width)
        {
            line.Append(' ', width - length);
        }
        line.Append(digits[..length]);
    }
}
