using System.Buffers;
using System.Text.Json;

namespace SocketAgent.Correlation;

/// <summary>
/// Encodes a connection as its JSON object with a <see cref="Utf8JsonWriter"/> (no reflection). Host names, agent ids
/// and process fields are the agents' own JSON text, copied byte for byte; <c>event.id</c> is the connection's
/// <see cref="ConnectionId"/>, the same in every line written for it. Shared by the line writer (files, stdout) and
/// the Kafka writer (one record per connection, keyed by that id).
/// </summary>
internal sealed class ConnectionLineEncoder
{
    private readonly Utf8JsonWriter _writer = new(new ArrayBufferWriter<byte>(1),
        new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>Writes <paramref name="connection"/> as one JSON object (no newline) to <paramref name="destination"/>; returns its <c>event.id</c>.</summary>
    public Guid Encode(in CorrelatedConnection connection, IBufferWriter<byte> destination)
    {
        Span<byte> scratch = stackalloc byte[64];
        _writer.Reset(destination);
        _writer.WriteStartObject();
        long timestamp = connection.End != EventTimestamp.Unknown ? connection.End : connection.Start;
        _writer.WriteString("@timestamp"u8, scratch[..EventTimestamp.Format(timestamp, scratch)]);

        _writer.WriteStartObject("event"u8);
        _writer.WriteString("dataset"u8, "correlation"u8);
        _writer.WriteString("action"u8, "connection"u8);
        _writer.WriteString("kind"u8, "event"u8);
        Guid id = ConnectionId.Derive(connection);
        id.TryFormat(scratch, out int idLength);
        _writer.WriteString("id"u8, scratch[..idLength]);
        _writer.WriteStartArray("category"u8);
        _writer.WriteStringValue("network"u8);
        _writer.WriteEndArray();
        _writer.WriteStartArray("type"u8);
        _writer.WriteStringValue("connection"u8);
        _writer.WriteEndArray();
        _writer.WriteString("start"u8, scratch[..EventTimestamp.Format(connection.Start, scratch)]);
        if (connection.End != EventTimestamp.Unknown)
        {
            _writer.WriteString("end"u8, scratch[..EventTimestamp.Format(connection.End, scratch)]);
            _writer.WriteNumber("duration"u8, Math.Max(0, connection.End - connection.Start));
        }
        _writer.WriteEndObject();

        _writer.WriteStartObject("network"u8);
        _writer.WriteString("transport"u8, connection.Key.Transport == ConnectionTransport.Tcp ? "tcp"u8 : "udp"u8);
        _writer.WriteString("type"u8, connection.ClientAddress.IsV6 ? "ipv6"u8 : "ipv4"u8);
        _writer.WriteString("community_id"u8, scratch[..connection.Key.Format(scratch)]);
        _writer.WriteEndObject();

        WriteSide("client"u8, connection.Client, connection.ClientAddress, connection.ClientBytes, scratch);
        WriteSide("server"u8, connection.Server, connection.ServerAddress, connection.ServerBytes, scratch);

        _writer.WriteStartObject("correlation"u8);
        _writer.WriteNumber("sides"u8, connection.Sides);
        _writer.WriteString("state"u8, connection.Closed ? "closed"u8 : "open"u8);
        _writer.WriteEndObject();
        _writer.WriteEndObject();
        _writer.Flush();
        return id;
    }

    private void WriteSide(ReadOnlySpan<byte> name, ConnectionEnd? end, EndpointAddress address, long bytes, Span<byte> scratch)
    {
        _writer.WriteStartObject(name);
        _writer.WriteString("ip"u8, scratch[..address.FormatIp(scratch)]);
        _writer.WriteNumber("port"u8, address.Port);
        if (bytes >= 0)
        {
            _writer.WriteNumber("bytes"u8, bytes);
        }
        if (end is not null)
        {
            if (end.HostName is not null)
            {
                _writer.WriteStartObject("host"u8);
                WriteRaw("name"u8, end.HostName);
                _writer.WriteEndObject();
            }
            _writer.WriteStartObject("agent"u8);
            WriteRaw("id"u8, end.AgentId);
            _writer.WriteEndObject();
            if (end.Pid != 0 || end.ProcessName is not null)
            {
                _writer.WriteStartObject("process"u8);
                if (end.Pid != 0)
                {
                    _writer.WriteNumber("pid"u8, end.Pid);
                }
                WriteRaw("name"u8, end.ProcessName);
                WriteRaw("command_line"u8, end.CommandLine);
                WriteRaw("args"u8, end.Args);
                _writer.WriteEndObject();
            }
            if (end.Owner.Workload is { } workload)
            {
                // container, orchestrator, kubernetes, systemd: members as the agent wrote them, not a value.
                _writer.WriteRawValue(workload, skipInputValidation: true);
            }
        }
        _writer.WriteEndObject();
    }

    private void WriteRaw(ReadOnlySpan<byte> name, byte[]? rawJson)
    {
        if (rawJson is not null)
        {
            _writer.WritePropertyName(name);
            _writer.WriteRawValue(rawJson, skipInputValidation: true);
        }
    }
}
