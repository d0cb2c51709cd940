using System.Buffers;
using System.Text.Json;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// <c>/healthz</c>'s answer: ready or not, why not, and each output's state (<c>ok</c>, <c>spooling</c> — Kafka
/// behind but within limits —, or <c>failing</c>). A small JSON object, so a person with curl reads it as is.
/// </summary>
internal sealed class HealthReport
{
    public required bool Ready { get; init; }

    /// <summary>Why not ready, one sentence each; empty when ready.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    public required IReadOnlyList<KeyValuePair<string, string>> Outputs { get; init; }

    public long Cycles { get; init; }

    public DateTimeOffset? LastCycle { get; init; }

    public void WriteJson(IBufferWriter<byte> output)
    {
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("status", Ready ? "ready" : "not_ready");
        json.WriteNumber("cycles", Cycles);
        if (LastCycle is DateTimeOffset last)
        {
            json.WriteString("last_cycle", last.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteNull("last_cycle");
        }
        json.WriteStartObject("outputs");
        foreach ((string name, string state) in Outputs)
        {
            json.WriteString(name, state);
        }
        json.WriteEndObject();
        json.WriteStartArray("reasons");
        foreach (string reason in Reasons)
        {
            json.WriteStringValue(reason);
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.GetSpan(1)[0] = (byte)'\n';
        output.Advance(1);
    }
}
