namespace SocketAgent.Diff;

/// <summary>How <see cref="SocketDiffer"/> treats the end of a socket.</summary>
internal sealed record SocketDifferOptions
{
    public static readonly SocketDifferOptions Default = new();

    /// <summary>
    /// True when a sock_diag destroy listener feeds <see cref="SocketDiffer.OnDestroyed"/>. Then a TCP/UDP socket
    /// that a snapshot no longer shows is closed one collection later (unless its destroy arrives first, which
    /// gives the exact time and the final tcp_info), and the cookies of sockets closed from a snapshot are kept
    /// until their destroy arrives, so that it is not reported a second time.
    /// </summary>
    /// <value>The default is <see langword="false"/>: every close comes from the snapshots.</value>
    public bool DestroyEventsExpected { get; init; }

    /// <summary>Cookies remembered as ended (destroyed, or closed and awaiting their destroy); the oldest are forgotten first.</summary>
    /// <value>The default is 65,536 per set.</value>
    public int EndedCookieCapacity { get; init; } = 65_536;

    /// <summary>
    /// How long a destroyed cookie is remembered: long enough for a dump taken just before the destroy, or a
    /// duplicate notification, to be recognised. Cookies are never reused, so longer only costs memory.
    /// </summary>
    /// <value>The default is 2 minutes.</value>
    public TimeSpan DestroyedRetention { get; init; } = TimeSpan.FromMinutes(2);
}
