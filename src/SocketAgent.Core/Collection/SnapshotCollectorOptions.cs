using SocketAgent.Collection.Namespaces;
using SocketAgent.Collection.Redaction;

namespace SocketAgent.Collection;

/// <summary>Options of <see cref="SnapshotCollector"/>.</summary>
public sealed class SnapshotCollectorOptions
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

    /// <summary>Clock for <c>@timestamp</c>. <value>The default is <see cref="TimeProvider.System"/>.</value></summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
