namespace SocketAgent.Collection.Rtnetlink;

/// <summary>What an rtnetlink notification said changed; what the agent should dump again.</summary>
[Flags]
internal enum RtnetlinkChangeKind
{
    None = 0,
    Links = 1,
    Addresses = 2,
    Routes = 4,

    /// <summary>The kernel dropped notifications (ENOBUFS): anything may have changed, dump everything.</summary>
    Overrun = 8,

    All = Links | Addresses | Routes | Overrun,
}
