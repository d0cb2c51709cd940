namespace SocketAgent.Output.Json;

/// <summary>ECS <c>event.*</c>. Allocated per document, so event code may set its own members on it.</summary>
public sealed class EventFields
{
    internal static readonly IReadOnlyList<string> NetworkCategory = ["network"];
    internal static readonly IReadOnlyList<string> InfoType = ["info"];

    /// <summary><c>socket</c> for socket documents; later datasets add their own names.</summary>
    public required string Dataset { get; set; }

    /// <summary>What produced the document: <c>snapshot</c> for a full listing.</summary>
    public required string Action { get; set; }

    public string Kind { get; set; } = "state";

    public IReadOnlyList<string> Category { get; set; } = NetworkCategory;

    public IReadOnlyList<string> Type { get; set; } = InfoType;
}
