using System.Text;
using System.Text.Json;
using Json.Schema;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>
/// Validates JSON lines against the schema embedded in SocketAgent.Core (the file that ships), with format
/// validation on. Reusable by any test that produces JSON-lines output.
/// </summary>
internal static class SchemaValidator
{
    private static readonly Lazy<JsonSchema> s_schema = new(() => JsonSchema.FromText(SocketJsonSchema.ReadText()));

    private static readonly EvaluationOptions s_options = new()
    {
        OutputFormat = OutputFormat.List,
        RequireFormatValidation = true,
    };

    public static JsonSchema Schema => s_schema.Value;

    /// <summary>Asserts that <paramref name="jsonLine"/> is one line of valid JSON that the schema accepts.</summary>
    public static void AssertValid(string jsonLine)
    {
        Assert.NotNull(jsonLine);
        Assert.DoesNotContain('\n', jsonLine);
        Assert.DoesNotContain('\r', jsonLine);
        Assert.False(jsonLine.Length > 0 && jsonLine[0] == '\uFEFF', "line starts with a BOM");

        using JsonDocument document = JsonDocument.Parse(jsonLine);
        string? errors = Validate(document.RootElement);
        Assert.True(errors is null, $"Schema validation failed:\n{errors}\nLine: {jsonLine}");
    }

    /// <summary>Validates every line of UTF-8 JSON-lines output; asserts it ends with a newline and has no BOM.</summary>
    public static string[] AssertValidLines(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return [];
        }

        Assert.False(utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]), "output starts with a BOM");
        Assert.Equal((byte)'\n', utf8[^1]);
        string text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(utf8);
        string[] lines = text[..^1].Split('\n');
        foreach (string line in lines)
        {
            AssertValid(line);
        }
        return lines;
    }

    /// <summary>The errors, one per line, or null when valid.</summary>
    public static string? Validate(JsonElement element)
    {
        EvaluationResults results = Schema.Evaluate(element, s_options);
        if (results.IsValid)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (EvaluationResults detail in (results.Details ?? []).Prepend(results))
        {
            if (detail.Errors is { Count: > 0 } errors)
            {
                foreach (KeyValuePair<string, string> error in errors)
                {
                    text.Append(detail.InstanceLocation).Append(" (").Append(detail.EvaluationPath).Append("): ")
                        .Append(error.Key).Append(": ").AppendLine(error.Value);
                }
            }
        }
        return text.Length > 0 ? text.ToString() : "invalid (no error details)";
    }
}
