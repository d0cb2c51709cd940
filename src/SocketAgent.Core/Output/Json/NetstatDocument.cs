using System.Text.Json.Serialization;

namespace SocketAgent.Output.Json;

/// <summary>
/// One JSON line of dataset <c>netstat</c>: one group of the kernel's protocol counters (/proc/net/snmp, netstat, snmp6). Same envelope as the socket lines (and the same
/// rule: null members are left out, and a new member needs a schema entry too).
/// </summary>
/// <remarks>
/// <see cref="Host"/>, <see cref="Network"/> and <see cref="Container"/> may be instances shared between documents
/// (the factory caches them): replace them rather than mutate them.
/// </remarks>
public sealed class NetstatDocument
{
    /// <summary>UTC time of the observation, RFC 3339 with nine fractional digits.</summary>
    [JsonPropertyName("@timestamp")]
    public required string Timestamp { get; set; }

    public required EventFields Event { get; set; }

    public required HostFields Host { get; set; }

    /// <summary>The agent that wrote the line; null for <c>--once</c> output.</summary>
    public AgentFields? Agent { get; set; }

    /// <summary><c>network.netns</c>; null when the namespace is not known.</summary>
    public NetworkFields? Network { get; set; }

    public required NetstatJson Netstat { get; set; }

    /// <summary>The container of a process living in the namespace, when known.</summary>
    public ContainerFields? Container { get; set; }
}
