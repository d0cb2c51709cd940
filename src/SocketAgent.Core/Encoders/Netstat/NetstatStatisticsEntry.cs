namespace SocketAgent.Encoders.Netstat;

/// <summary>How net-tools prints one known counter (its <c>enum State</c> in <c>statistics.c</c>).</summary>
internal enum NetstatStatisticsKind : byte
{
    /// <summary>Always printed, zero too (<c>number</c>).</summary>
    Number,

    /// <summary>Printed when not zero (<c>opt_number</c>).</summary>
    OptionalNumber,

    /// <summary><c>Forwarding is enabled</c> (<c>i_forward</c>; static, so never printed).</summary>
    Forwarding,

    /// <summary>A line of the "ICMP input histogram:" block, printed when not zero (<c>i_inp_icmp</c>).</summary>
    InputHistogram,

    /// <summary>A line of the "ICMP output histogram:" block, printed when not zero (<c>i_outp_icmp</c>).</summary>
    OutputHistogram,

    /// <summary><c>RTO algorithm is …</c> (<c>i_rto_alg</c>; static, and prints nothing anyway).</summary>
    RtoAlgorithm,
}

/// <summary>
/// One row of a net-tools <c>statistics.c</c> table: the kernel's counter name, the printf format (with
/// <c>%llu</c> for the value), how it prints, and whether it is a static setting (<c>I_STATIC</c>), which
/// netstat never prints because nothing sets its <c>print_static</c>.
/// </summary>
internal sealed class NetstatStatisticsEntry
{
    public NetstatStatisticsEntry(string title, string format, NetstatStatisticsKind kind, bool isStatic = false)
    {
        Title = title;
        Format = format;
        Kind = kind;
        IsStatic = isStatic;
        int value = format.IndexOf("%llu", StringComparison.Ordinal);
        Prefix = value < 0 ? format : format[..value];
        Suffix = value < 0 ? "" : format[(value + 4)..];
    }

    public string Title { get; }

    public string Format { get; }

    public NetstatStatisticsKind Kind { get; }

    public bool IsStatic { get; }

    /// <summary>The format before <c>%llu</c>.</summary>
    public string Prefix { get; }

    /// <summary>The format after <c>%llu</c>.</summary>
    public string Suffix { get; }
}
