using SocketAgent.Model;

namespace SocketAgent.Encoders.Netstat;

/// <summary>What <c>socket-agent netstat -r</c> prints, as net-tools <c>netstat -r</c>'s flags select it.</summary>
internal sealed record NetstatRouteOptions
{
    /// <summary>
    /// Tables to print: <c>-r</c> alone (or <c>-4</c>) prints the IPv4 table, <c>-6</c> the IPv6 one, both print both.
    /// </summary>
    /// <value>The default value is <see cref="IpFamilySet.IPv4"/>.</value>
    public IpFamilySet Families { get; init; } = IpFamilySet.IPv4;

    /// <summary><c>-n</c> / <c>--numeric-hosts</c>: addresses as numbers, no lookups.</summary>
    public bool NumericHosts { get; init; }

    /// <summary>
    /// How many times <c>-e</c> was given. netstat turns the count into its layout with <c>(count + 1) &amp; 3</c>, so
    /// 0 prints MSS/Window/irtt, 1 Metric/Ref/Use, 2 both, 3 only the heading, 4 is 1 again, and so on.
    /// </summary>
    public int ExtendCount { get; init; }

    /// <summary>net-tools' <c>ext</c> value for the IPv4 table (see <see cref="ExtendCount"/>).</summary>
    internal int Layout => (ExtendCount + 1) & 3;
}
