using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// The members every dataset's documents share — timestamp text, <c>host</c>, <c>network.netns</c>, the
/// namespace's <c>container</c> — built once and reused while the caller keeps passing the same values (a snapshot
/// passes the same timestamp, host and namespace for thousands of lines). Not thread-safe.
/// </summary>
internal sealed class DocumentFieldCache
{
    private HostIdentity? _host;
    private HostFields? _hostFields;
    private string? _bootId;
    private AgentIdentity? _agent;
    private AgentFields? _agentFields;
    private DateTimeOffset _timestamp;
    private string? _timestampText;
    private NetworkNamespace? _namespace;
    private NetnsFields? _netns;
    private ContainerFields? _namespaceContainer;

    public string GetTimestamp(DateTimeOffset timestamp)
    {
        if (_timestampText is null || timestamp != _timestamp)
        {
            _timestampText = RfcTimestamp.Format(timestamp);
            _timestamp = timestamp;
        }
        return _timestampText;
    }

    public HostFields GetHost(HostIdentity host, string? bootId = null)
    {
        if (!ReferenceEquals(host, _host) || _hostFields is null || !string.Equals(bootId, _bootId, StringComparison.Ordinal))
        {
            _hostFields = new HostFields
            {
                Name = host.Name,
                Id = host.Id,
                Boot = bootId is { Length: > 0 } ? new HostBootFields { Id = bootId } : null,
            };
            _host = host;
            _bootId = bootId;
        }
        return _hostFields;
    }

    /// <summary><c>agent</c> of <paramref name="agent"/>; null when none is given (<c>--once</c>).</summary>
    public AgentFields? GetAgent(AgentIdentity? agent)
    {
        if (agent is null)
        {
            return null;
        }
        // Records compare by value: a daemon passing an equal identity keeps the cached object.
        if (_agentFields is null || !(ReferenceEquals(agent, _agent) || agent.Equals(_agent)))
        {
            _agentFields = new AgentFields { Id = agent.Id, EphemeralId = agent.EphemeralId, Version = agent.Version };
            _agent = agent;
        }
        return _agentFields;
    }

    /// <summary><c>netns</c> of <paramref name="ns"/>; null when no namespace is given or its inode does not fit a signed 64-bit field.</summary>
    public NetnsFields? GetNetns(NetworkNamespace? ns)
    {
        if (ns is null)
        {
            return null;
        }
        Refresh(ns);
        return KernelValues.Fits(ns.Inode) ? _netns : null;
    }

    /// <summary>The <c>container</c> of a process living in <paramref name="ns"/>, when its cgroup names one.</summary>
    public ContainerFields? GetNamespaceContainer(NetworkNamespace? ns)
    {
        if (ns is null)
        {
            return null;
        }
        Refresh(ns);
        return _namespaceContainer;
    }

    private void Refresh(NetworkNamespace ns)
    {
        // Records compare by value, so an equal namespace re-read for the next snapshot keeps the cached objects.
        if (_netns is not null && (ReferenceEquals(ns, _namespace) || ns.Equals(_namespace)))
        {
            return;
        }
        _namespace = ns;
        _netns = new NetnsFields { Inode = ns.Inode, Name = ns.Name is { Length: > 0 } name ? name : null };
        _namespaceContainer = ns.ContainerId is { Length: > 0 } id ? new ContainerFields { Id = id, Runtime = ns.OwnerCgroup!.ContainerRuntime } : null;
    }
}
