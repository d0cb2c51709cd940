using SocketAgent.Collection.Namespaces;
using SocketAgent.Collection.Redaction;

namespace SocketAgent.Collection;

/// <summary>
/// Options of <see cref="HostCollector"/>: every setting that changes what is collected, in one place, so that
/// <c>--once</c>, <c>netstat</c> and the daemon, which all build their collector from it, cannot disagree.
/// </summary>
public sealed class HostCollectorOptions
{
    /// <summary>Which kernel interface reads sockets. <value>The default is <see cref="SocketSourceKind.Auto"/>.</value></summary>
    public SocketSourceKind Source { get; init; } = SocketSourceKind.Auto;

    /// <summary>What to read in each namespace. <value>The default is <see cref="CollectedParts.All"/>.</value></summary>
    public CollectedParts Parts { get; init; } = CollectedParts.All;

    /// <summary>Which network namespaces (<c>--netns</c>). <value>The default is the agent's own.</value></summary>
    public NetworkNamespaceSelection Namespaces { get; init; } = NetworkNamespaceSelection.Host;

    /// <summary>Map sockets to processes through /proc/&lt;pid&gt;/fd. <value>The default is <see langword="true"/>.</value></summary>
    public bool AttributeProcesses { get; init; } = true;

    /// <summary>Overrides <c>host.name</c> (several agents on one machine, tests). <value>The default is the kernel hostname.</value></summary>
    public string? HostName { get; init; }

    /// <summary>Masks secrets in command lines. <value>The default is <see cref="CommandLineRedactor.Default"/> (on).</value></summary>
    public CommandLineRedactor Redactor { get; init; } = CommandLineRedactor.Default;

    /// <summary>
    /// Collect again and again (the daemon): keep each namespace's netlink sockets open between passes, follow
    /// sock_diag destroy and rtnetlink change notifications, re-dump established TCP sockets and re-read fd tables
    /// only when something changed. Off for a one-shot pass, which opens nothing it would not close at once.
    /// <value>The default is <see langword="false"/>.</value>
    /// </summary>
    public bool FollowChanges { get; init; }

    /// <summary>
    /// With <see cref="FollowChanges"/>: a full socket dump and fd-table walk at least this often, and a re-read of
    /// routes and interfaces even when rtnetlink said nothing (the safety net for a lost notification).
    /// <value>The default is 60 seconds.</value>
    /// </summary>
    public TimeSpan FullReadInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Clock for <c>@timestamp</c> and the intervals. <value>The default is <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
