using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace SocketAgent.Cli.Configuration;

/// <summary>A JSON config file as a Microsoft.Extensions.Configuration file source (<see cref="StrictJsonConfigurationProvider"/>).</summary>
internal sealed class StrictJsonConfigurationSource : JsonConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new StrictJsonConfigurationProvider(this);
    }
}

/// <summary>
/// The JSON provider, behind a stricter reading: the file is bounded (<see cref="ConfigurationFileText"/>) and must
/// parse without trailing commas and within <see cref="ConfigurationFileText.MaxDepth"/> levels. The stock provider
/// accepts <c>"interval": "5s",}</c> silently, and a comma left behind usually means a line deleted by mistake.
/// Comments stay allowed: the example file and deployed files carry them.
/// </summary>
internal sealed class StrictJsonConfigurationProvider(StrictJsonConfigurationSource source) : JsonConfigurationProvider(source)
{
    private static readonly JsonDocumentOptions s_strict = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = ConfigurationFileText.MaxDepth,
    };

    public override void Load(Stream stream)
    {
        byte[] bytes = ConfigurationFileText.ReadBytes(stream);
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes, s_strict);
        }
        catch (JsonException ex)
        {
            // The parser's position is 0-based; editors count from 1.
            string where = ex.LineNumber is long line ? $" (line {line + 1}, column {ex.BytePositionInLine + 1 ?? 1})" : string.Empty;
            throw new FormatException($"invalid JSON{where}: {FirstSentence(ex.Message)}", ex);
        }
        // The stock flattening (keys, arrays, empty values) on the checked bytes: the settings read exactly as before.
        base.Load(new MemoryStream(bytes, writable: false));
    }

    /// <summary>System.Text.Json's message without its "LineNumber: … | BytePositionInLine: …" tail (said above).</summary>
    private static string FirstSentence(string message)
    {
        int tail = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (tail > 0 ? message[..tail] : message).TrimEnd();
    }
}
