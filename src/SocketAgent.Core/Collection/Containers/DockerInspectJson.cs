using System.Text.Json.Serialization;

namespace SocketAgent.Collection.Containers;

/// <summary>The members of Docker's <c>GET /containers/{id}/json</c> the agent reads; the rest is skipped.</summary>
internal sealed class DockerInspectJson
{
    public string? Name { get; set; }
    public DockerConfigJson? Config { get; set; }
}

internal sealed class DockerConfigJson
{
    /// <summary>The image as the container was created from it: <c>name[:tag]</c> or <c>name@digest</c>.</summary>
    public string? Image { get; set; }

    public Dictionary<string, string>? Labels { get; set; }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(DockerInspectJson))]
internal sealed partial class DockerJsonContext : JsonSerializerContext
{
}
