namespace SocketAgent.Collection.Rtnetlink;

/// <summary>Names of the <see cref="CollectionDiagnostics"/> counters <see cref="RtnetlinkChangeListener"/> maintains.</summary>
internal static class RtnetlinkChangeCounters
{
    public const string Links = "rtnetlink.changes.links";
    public const string Addresses = "rtnetlink.changes.addresses";
    public const string Routes = "rtnetlink.changes.routes";

    /// <summary>recv failed with ENOBUFS: notifications were lost; a full re-dump is signalled.</summary>
    public const string Overrun = "rtnetlink.changes.overrun";

    /// <summary>Truncated or inconsistent notifications (still signalled as a change of their kind).</summary>
    public const string Malformed = "rtnetlink.changes.malformed";

    /// <summary>Parsed notifications the optional notification channel had no room for.</summary>
    public const string NotificationsDropped = "rtnetlink.changes.notifications_dropped";
}
