namespace SocketAgent.Collection.Procfs;

/// <summary>Names of the <see cref="CollectionDiagnostics"/> counters the procfs source maintains.</summary>
internal static class ProcfsCounters
{
    /// <summary>Lines of a /proc/net table that could not be parsed and were skipped.</summary>
    public const string LinesMalformed = "procfs.lines_malformed";

    /// <summary>Tables that do not exist (protocol not built in or IPv6 disabled).</summary>
    public const string FilesMissing = "procfs.files_missing";

    /// <summary>Tables that exist but could not be read (permissions, I/O error).</summary>
    public const string FilesUnreadable = "procfs.files_unreadable";
}
