using System.Text.Json.Serialization;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// The envelope of a whole-host state line (datasets <c>route</c>, <c>interface</c>, <c>netstat</c>): the members every
/// such line has, around the one body member a derived document adds. Same envelope as the socket lines (and the same
/// rule: null members are left out, and a new member needs a schema entry too).
/// </summary>
/// <remarks>
/// <para>
/// The body is a member of the derived type rather than a <c>TBody</c> of one generic document because its JSON
/// name differs per dataset, and a source-generated member name is an attribute constant: renaming it per type
/// argument would take a contract modifier (off the generated fast path) or a hand-written envelope converter.
/// </para>
/// <para>
/// The explicit orders keep the lines byte-identical to the wire format: the envelope's members, then the body
/// (order 0, the default), then <c>container</c> last.
/// </para>
/// <para>
/// <see cref="Host"/>, <see cref="Network"/>, <see cref="Netns"/> and <see cref="Container"/> may be instances shared between documents
/// (the factory caches them): replace them rather than mutate them.
/// </para>
/// </remarks>
public abstract class HostStateDocument
{
    private protected HostStateDocument()
    {
    }

    /// <summary>UTC time of the observation, RFC 3339 with nine fractional digits.</summary>
    [JsonPropertyName("@timestamp")]
    [JsonPropertyOrder(-6)]
    public required string Timestamp { get; set; }

    [JsonPropertyOrder(-5)]
    public required EventFields Event { get; set; }

    [JsonPropertyOrder(-4)]
    public required HostFields Host { get; set; }

    /// <summary>The agent that wrote the line; null for <c>--once</c> output.</summary>
    [JsonPropertyOrder(-3)]
    public AgentFields? Agent { get; set; }

    /// <summary><c>network.type</c> (routes); null for the other datasets.</summary>
    [JsonPropertyOrder(-2)]
    public NetworkFields? Network { get; set; }

    /// <summary>The network namespace the document was collected in; null when the caller did not say.</summary>
    [JsonPropertyOrder(-1)]
    public NetnsFields? Netns { get; set; }

    /// <summary>The container of a process living in the namespace, when known.</summary>
    [JsonPropertyOrder(1)]
    public ContainerFields? Container { get; set; }
}
