using System.Text.Json;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Output.Json;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// A minimal heartbeat line (<c>event.dataset</c> <c>agent</c>, <c>event.action</c> <c>heartbeat</c>) so the
/// default cycle works end to end; the event encoder's heartbeat document replaces it.
/// </summary>
internal static class HeartbeatJsonWriter
{
    public static void Write(Stream output, CycleContext context, HostIdentity host, EventStamp stamp, DateTimeOffset timestamp)
    {
        using var json = new Utf8JsonWriter(output, SocketJsonLinesWriter.WriterOptions);
        json.WriteStartObject();
        json.WriteString("@timestamp", RfcTimestamp.Format(timestamp));

        json.WriteStartObject("event");
        json.WriteString("dataset", "agent");
        json.WriteString("action", "heartbeat");
        json.WriteString("kind", "metric");
        json.WriteStartArray("category");
        json.WriteStringValue("host");
        json.WriteEndArray();
        json.WriteStartArray("type");
        json.WriteStringValue("info");
        json.WriteEndArray();
        json.WriteString("id", stamp.Id);
        json.WriteNumber("sequence", stamp.Sequence);
        json.WriteEndObject();

        AgentIdentity identity = context.Identity;
        json.WriteStartObject("agent");
        json.WriteString("id", identity.Id);
        json.WriteString("ephemeral_id", identity.EphemeralId);
        json.WriteString("type", "socket-agent");
        json.WriteString("version", identity.Version);
        json.WriteEndObject();

        json.WriteStartObject("host");
        json.WriteString("name", host.Name);
        if (host.Id is not null)
        {
            json.WriteString("id", host.Id);
        }
        if (identity.BootId is not null)
        {
            json.WriteStartObject("boot");
            json.WriteString("id", identity.BootId);
            json.WriteEndObject();
        }
        json.WriteEndObject();

        json.WriteStartObject("socket_agent");
        json.WriteNumber("uptime", (long)((timestamp - context.StartedAt).Ticks * 100));
        json.WriteNumber("cycles", context.CycleNumber);
        json.WriteNumber("cycles_failed", context.FailedCycles);
        json.WriteNumber("last_cycle_duration", context.PreviousCycleDuration.Ticks * 100);
        json.WriteEndObject();

        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }
}
