namespace SocketAgent.Encoders.Json;

/// <summary>
/// The published JSON Schema (draft 2020-12) of the JSON-lines output, embedded in the library so the CLI can
/// print it and tests can validate against the very file that ships.
/// </summary>
public static class SocketJsonSchema
{
    /// <summary>The manifest name of the embedded schema (root namespace + folder + file name).</summary>
    internal const string ResourceName = "SocketAgent.Encoders.Json.socket-agent.schema.json";

    /// <summary>Opens the schema's UTF-8 bytes.</summary>
    public static Stream Open() =>
        typeof(SocketJsonSchema).Assembly.GetManifestResourceStream(ResourceName)
        ?? throw new InvalidOperationException($"Embedded resource '{ResourceName}' is missing from {typeof(SocketJsonSchema).Assembly.GetName().Name}.");

    /// <summary>The schema text.</summary>
    public static string ReadText()
    {
        using var reader = new StreamReader(Open());
        return reader.ReadToEnd();
    }
}
