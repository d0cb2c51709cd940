using System.Text.Json.Serialization;

using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json.Reference;

/// <summary>
/// One JSON line: an ECS-style document describing one socket (dataset <c>socket</c>). Nested objects, not
/// dotted keys. Null members are left out of the output; the schema
/// (<c>socket-agent.schema.json</c>) is the contract, so a new member needs a schema entry too.
/// </summary>
/// <remarks>
/// Members are serialized in declaration order. <see cref="Host"/>, <see cref="User"/>, <see cref="Process"/>,
/// <see cref="Processes"/> and <see cref="Container"/> may be instances shared between documents (the factory
/// caches them per snapshot): replace them rather than mutate them.
/// </remarks>
public sealed class SocketDocument
{
    /// <summary>UTC time of the observation, RFC 3339 with nine fractional digits.</summary>
    [JsonPropertyName("@timestamp")]
    public required string Timestamp { get; set; }

    public required EventFields Event { get; set; }

    public required HostFields Host { get; set; }

    /// <summary>The agent that wrote the line; null for <c>--once</c> output.</summary>
    public AgentFields? Agent { get; set; }

    public required NetworkFields Network { get; set; }

    /// <summary>The namespace the socket was collected in (ours: ECS has no field for it).</summary>
    public NetnsFields? Netns { get; set; }

    /// <summary>ECS <c>source</c>: the side that initiated the connection (see <see cref="ConnectionDirectionResolver"/>).</summary>
    public EndpointFields? Source { get; set; }

    /// <summary>ECS <c>destination</c>: the side the connection was made to.</summary>
    public EndpointFields? Destination { get; set; }

    /// <summary>ECS <c>server</c>: a listener (or unconnected UDP socket) itself; then there is no source or destination.</summary>
    public EndpointFields? Server { get; set; }

    public required SocketFields Socket { get; set; }

    public UserFields? User { get; set; }

    /// <summary>The first holder of the socket (lowest pid); null when no process holds it or it could not be read.</summary>
    public ProcessFields? Process { get; set; }

    public ContainerFields? Container { get; set; }

    /// <summary>ECS <c>orchestrator</c>: the Kubernetes pod of the holder.</summary>
    public OrchestratorFields? Orchestrator { get; set; }

    /// <summary>The pod's QoS class (ours: ECS has no field for it).</summary>
    public KubernetesFields? Kubernetes { get; set; }

    /// <summary>The holder's systemd unit and slice (ours, as journald's fields name them).</summary>
    public SystemdFields? Systemd { get; set; }
}

public sealed class OrchestratorFields
{
    public required string Type { get; init; }
    public required OrchestratorResourceFields Resource { get; init; }
}

public sealed class OrchestratorResourceFields
{
    public required string Type { get; init; }
    public required string Id { get; init; }
}

public sealed class KubernetesFields
{
    public required KubernetesPodFields Pod { get; init; }
}

public sealed class KubernetesPodFields
{
    public required string QosClass { get; init; }
}

public sealed class SystemdFields
{
    public required string Unit { get; init; }
    public string? Slice { get; init; }
}
