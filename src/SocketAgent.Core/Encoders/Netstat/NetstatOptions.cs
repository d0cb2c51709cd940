using SocketAgent.Collection;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Netstat;

/// <summary>
/// What <c>socket-agent netstat</c> prints, as net-tools <c>netstat</c>'s socket flags select it. The CLI maps
/// flags onto this record; <see cref="NetstatTableWriter"/> turns it into netstat's exact text.
/// </summary>
internal sealed record NetstatOptions
{
    /// <summary>
    /// Sections to print: TCP/UDP/raw rows share the "Active Internet connections" table, UNIX sockets get their own.
    /// netstat without <c>-t -u -w -x</c> prints all of them.
    /// </summary>
    /// <value>The default value is <see cref="TransportSet.All"/>.</value>
    public TransportSet Transports { get; init; } = TransportSet.All;

    /// <summary>IP families of the Internet rows (<c>-4</c> reads only /proc/net/tcp etc., <c>-6</c> only tcp6 etc.).</summary>
    /// <value>The default value is <see cref="IpFamilySet.Both"/>.</value>
    public IpFamilySet Families { get; init; } = IpFamilySet.Both;

    /// <summary><c>-l</c>: only servers (TCP without a remote port, UDP/raw without a remote address, UNIX listeners).</summary>
    public bool Listening { get; init; }

    /// <summary><c>-a</c>: servers and established; wins over <see cref="Listening"/>.</summary>
    public bool All { get; init; }

    /// <summary><c>--numeric-hosts</c>: print addresses, do no reverse lookups.</summary>
    public bool NumericHosts { get; init; }

    /// <summary><c>--numeric-ports</c>: print port numbers, not /etc/services names.</summary>
    public bool NumericPorts { get; init; }

    /// <summary><c>--numeric-users</c>: print uids in the <c>-e</c> User column.</summary>
    public bool NumericUsers { get; init; }

    /// <summary><c>-n</c>: all three numeric flags at once.</summary>
    public bool Numeric
    {
        get => NumericHosts && NumericPorts && NumericUsers;
        init
        {
            NumericHosts = value;
            NumericPorts = value;
            NumericUsers = value;
        }
    }

    /// <summary><c>-p</c>: the <c>PID/Program name</c> column.</summary>
    public bool ShowPrograms { get; init; }

    /// <summary>
    /// <c>-e</c>: the <c>User</c> and <c>Inode</c> columns of the Internet table. netstat's <c>-ee</c> prints the
    /// same socket tables as <c>-e</c>, so one flag is enough here.
    /// </summary>
    public bool Extended { get; init; }

    /// <summary><c>-W</c>: never cut <c>address:port</c> to 22 characters.</summary>
    public bool Wide { get; init; }

    /// <summary>
    /// <c>--cmdline</c> (ours): the program column shows <c>pid/</c> and the full shell-quoted command line instead
    /// of netstat's 19-character <c>pid/name</c>. Implies the program column.
    /// </summary>
    public bool CommandLine { get; init; }

    /// <summary>Whether the <c>PID/Program name</c> column is printed.</summary>
    public bool ProgramColumn => ShowPrograms || CommandLine;

    /// <summary>Whether host names are looked up (anything that is not <see cref="NumericHosts"/>).</summary>
    public bool ResolvesHosts => !NumericHosts && (Transports & TransportSet.Inet) != 0;

    /// <summary>
    /// The collection query that fetches what these options print, filtered as early as the source allows.
    /// The writer filters again with netstat's own rules, so the query may return more.
    /// </summary>
    public SocketQuery ToSocketQuery() => new()
    {
        Transports = Transports,
        Families = Families,
        ListeningOnly = Listening && !All,
        IncludeTcpInfo = false,
    };
}
