using System.Buffers.Text;
using System.Text.Json;

namespace SocketAgent.Correlation;

/// <summary>
/// Pulls the join's fields out of one event line with a <see cref="Utf8JsonReader"/> over the UTF-8 bytes: no DOM, and
/// every object the join does not need (tcp_info's other 30 counters, routes, interfaces…) is skipped unread.
/// </summary>
internal static class SocketEventReader
{
    public static SocketEventParseResult Read(ReadOnlySpan<byte> line, Utf8Interner interner, ref ObservedSocketEvent e)
    {
        e.Reset();
        line = line.TrimEnd("\r\n "u8);
        if (line.IsEmpty)
        {
            return SocketEventParseResult.Ignored;
        }

        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 16 });
            EndpointAddress source = default, destination = default;
            long sourceBytes = -1, destinationBytes = -1;
            bool localIsDestination = false;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return SocketEventParseResult.Invalid;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("@timestamp"u8))
                {
                    reader.Read();
                    e.Timestamp = Time(ref reader);
                }
                else if (reader.ValueTextEquals("event"u8))
                {
                    ReadEvent(ref reader, ref e);
                }
                else if (reader.ValueTextEquals("host"u8))
                {
                    ReadNamedObject(ref reader, "name"u8, line, interner, out e.HostName);
                }
                else if (reader.ValueTextEquals("agent"u8))
                {
                    ReadNamedObject(ref reader, "id"u8, line, interner, out e.AgentId);
                }
                else if (reader.ValueTextEquals("network"u8))
                {
                    ReadNetwork(ref reader, ref e);
                }
                else if (reader.ValueTextEquals("socket"u8))
                {
                    ReadSocket(ref reader, line, interner, ref e, ref localIsDestination);
                }
                else if (reader.ValueTextEquals("netns"u8))
                {
                    ReadNetns(ref reader, ref e);
                }
                else if (reader.ValueTextEquals("process"u8))
                {
                    ReadProcess(ref reader, line, interner, ref e);
                }
                else if (reader.ValueTextEquals("source"u8))
                {
                    source = Endpoint(ref reader, out sourceBytes);
                }
                else if (reader.ValueTextEquals("destination"u8))
                {
                    destination = Endpoint(ref reader, out destinationBytes);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return SocketEventParseResult.Invalid; // a second value, or trailing garbage, on the line
            }
            if (e.Local.IsEmpty && e.Remote.IsEmpty)
            {
                // socket.local_end says which ECS end this socket is (lines before it had socket.local/remote).
                (e.Local, e.Remote) = localIsDestination ? (destination, source) : (source, destination);
            }
            AssignPayload(ref e, source, sourceBytes, destination, destinationBytes);
        }
        catch (JsonException)
        {
            return SocketEventParseResult.Invalid;
        }

        if (!e.IsSocketDataset || e.Action == ObservedAction.None || e.Transport == ConnectionTransport.None
            || e.Direction is ObservedDirection.Listening or ObservedDirection.Internal || !e.HasCommunityKey)
        {
            return SocketEventParseResult.Ignored;
        }
        return e.AgentId is null || e.Timestamp == EventTimestamp.Unknown || e.Local.IsEmpty || e.Remote.IsEmpty
            ? SocketEventParseResult.Invalid
            : SocketEventParseResult.Connection;
    }

    private static void ReadEvent(ref Utf8JsonReader reader, ref ObservedSocketEvent e)
    {
        Span<byte> buffer = stackalloc byte[ShortValueLength];
        if (!EnterObject(ref reader))
        {
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("action"u8))
            {
                reader.Read();
                e.Action = reader.ValueTextEquals("opened"u8) ? ObservedAction.Opened
                    : reader.ValueTextEquals("closed"u8) ? ObservedAction.Closed
                    : reader.ValueTextEquals("state_changed"u8) ? ObservedAction.StateChanged
                    : reader.ValueTextEquals("snapshot"u8) ? ObservedAction.Snapshot
                    : ObservedAction.None;
            }
            else if (reader.ValueTextEquals("dataset"u8))
            {
                reader.Read();
                e.IsSocketDataset = reader.ValueTextEquals("socket"u8);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                int length = ShortString(ref reader, buffer);
                if (length > 0 && Utf8Parser.TryParse(buffer[..length], out Guid id, out int consumed, 'D') && consumed == length)
                {
                    e.EventId = id;
                }
            }
            else if (reader.ValueTextEquals("start"u8))
            {
                reader.Read();
                e.Start = Time(ref reader);
            }
            else if (reader.ValueTextEquals("end"u8))
            {
                reader.Read();
                e.End = Time(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ReadNetwork(ref Utf8JsonReader reader, ref ObservedSocketEvent e)
    {
        if (!EnterObject(ref reader))
        {
            return;
        }
        Span<byte> communityId = stackalloc byte[ShortValueLength];
        int communityIdLength = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("transport"u8))
            {
                reader.Read();
                e.Transport = reader.ValueTextEquals("tcp"u8) ? ConnectionTransport.Tcp
                    : reader.ValueTextEquals("udp"u8) ? ConnectionTransport.Udp
                    : ConnectionTransport.None;
            }
            else if (reader.ValueTextEquals("direction"u8))
            {
                reader.Read();
                e.Direction = reader.ValueTextEquals("ingress"u8) ? ObservedDirection.Ingress
                    : reader.ValueTextEquals("egress"u8) ? ObservedDirection.Egress
                    : reader.ValueTextEquals("internal"u8) ? ObservedDirection.Internal
                    : reader.ValueTextEquals("listening"u8) ? ObservedDirection.Listening
                    : ObservedDirection.Unknown;
            }
            else if (reader.ValueTextEquals("community_id"u8))
            {
                reader.Read();
                communityIdLength = ShortString(ref reader, communityId);
            }
            else if (reader.ValueTextEquals("netns"u8))
            {
                ReadNetns(ref reader, ref e);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        // The transport may follow the id in a hand-written line: parse once both are known.
        e.HasCommunityKey = communityIdLength > 0 && CommunityKey.TryParse(communityId[..communityIdLength], e.Transport, out e.Key);
    }

    /// <summary><c>netns.inode</c> (top level; <c>network.netns</c> in lines written before it moved there).</summary>
    private static void ReadNetns(ref Utf8JsonReader reader, ref ObservedSocketEvent e)
    {
        if (!EnterObject(ref reader))
        {
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool inode = reader.ValueTextEquals("inode"u8);
            reader.Read();
            if (inode && reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out ulong value))
            {
                e.NetnsInode = value;
            }
            reader.Skip();
        }
    }

    private static void ReadSocket(ref Utf8JsonReader reader, ReadOnlySpan<byte> line, Utf8Interner interner, ref ObservedSocketEvent e, ref bool localIsDestination)
    {
        if (!EnterObject(ref reader))
        {
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("state"u8))
            {
                reader.Read();
                e.State = reader.TokenType == JsonTokenType.String ? interner.Intern(Raw(ref reader, line)) : null;
            }
            else if (reader.ValueTextEquals("local_end"u8))
            {
                reader.Read();
                localIsDestination = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("destination"u8);
            }
            else if (reader.ValueTextEquals("local"u8))
            {
                e.Local = Endpoint(ref reader);
            }
            else if (reader.ValueTextEquals("remote"u8))
            {
                e.Remote = Endpoint(ref reader);
            }
            else if (reader.ValueTextEquals("tcp_info"u8))
            {
                if (EnterObject(ref reader))
                {
                    // The default profile leaves a zero counter out, as ss -i does: within tcp_info, absent means 0.
                    e.BytesAcked = 0;
                    e.BytesReceived = 0;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        bool acked = reader.ValueTextEquals("bytes_acked"u8);
                        bool received = !acked && reader.ValueTextEquals("bytes_received"u8);
                        reader.Read();
                        if ((acked || received) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value))
                        {
                            if (acked)
                            {
                                e.BytesAcked = value;
                            }
                            else
                            {
                                e.BytesReceived = value;
                            }
                        }
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ReadProcess(ref Utf8JsonReader reader, ReadOnlySpan<byte> line, Utf8Interner interner, ref ObservedSocketEvent e)
    {
        if (!EnterObject(ref reader))
        {
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("pid"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int pid))
                {
                    e.Pid = pid;
                }
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                e.ProcessName = reader.TokenType == JsonTokenType.String ? interner.Intern(Raw(ref reader, line)) : null;
            }
            else if (reader.ValueTextEquals("command_line"u8))
            {
                reader.Read();
                e.CommandLine = reader.TokenType == JsonTokenType.String ? interner.Intern(Raw(ref reader, line)) : null;
            }
            else if (reader.ValueTextEquals("args"u8))
            {
                reader.Read();
                e.Args = reader.TokenType == JsonTokenType.StartArray ? interner.Intern(Raw(ref reader, line)) : SkipNull(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static byte[]? SkipNull(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    private static void ReadNamedObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> property, ReadOnlySpan<byte> line, Utf8Interner interner, out byte[]? value)
    {
        value = null;
        if (!EnterObject(ref reader))
        {
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool wanted = reader.ValueTextEquals(property);
            reader.Read();
            if (wanted && reader.TokenType == JsonTokenType.String)
            {
                value = interner.Intern(Raw(ref reader, line));
            }
            else
            {
                reader.Skip();
            }
        }
    }

    /// <summary>
    /// ECS <c>source.bytes</c>/<c>destination.bytes</c>, which the kernel tracer writes on a closed connection: the payload
    /// each end sent, exact (SYN and FIN excluded). Which of them this end sent follows from which endpoint is local.
    /// </summary>
    private static void AssignPayload(ref ObservedSocketEvent e, EndpointAddress source, long sourceBytes, EndpointAddress destination, long destinationBytes)
    {
        if (source.IsEmpty || destination.IsEmpty)
        {
            return;
        }
        if (source == e.Local && destination == e.Remote)
        {
            e.PayloadSent = sourceBytes;
            e.PayloadReceived = destinationBytes;
        }
        else if (source == e.Remote && destination == e.Local)
        {
            e.PayloadSent = destinationBytes;
            e.PayloadReceived = sourceBytes;
        }
    }

    private static EndpointAddress Endpoint(ref Utf8JsonReader reader) => Endpoint(ref reader, out _);

    private static EndpointAddress Endpoint(ref Utf8JsonReader reader, out long bytes)
    {
        bytes = -1;
        if (!EnterObject(ref reader))
        {
            return default;
        }
        ulong high = 0, low = 0;
        bool isV6 = false, hasIp = false;
        ushort port = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("ip"u8))
            {
                reader.Read();
                hasIp = reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped
                    && EndpointAddress.TryParseIp(reader.ValueSpan, out high, out low, out isV6);
            }
            else if (reader.ValueTextEquals("port"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number)
                {
                    reader.TryGetUInt16(out port);
                }
            }
            else if (reader.ValueTextEquals("bytes"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value) && value >= 0)
                {
                    bytes = value;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return hasIp && port != 0 ? new EndpointAddress(high, low, port, isV6) : default;
    }

    /// <summary>Moves onto the property's value; true when it is an object (anything else is skipped).</summary>
    private static bool EnterObject(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }
        reader.Skip();
        return false;
    }

    /// <summary>The current string (with its quotes) or array/object (skipping to its end), as raw JSON text.</summary>
    private static ReadOnlySpan<byte> Raw(ref Utf8JsonReader reader, ReadOnlySpan<byte> line)
    {
        int start = (int)reader.TokenStartIndex;
        if (reader.TokenType == JsonTokenType.String)
        {
            return line.Slice(start, reader.ValueSpan.Length + 2);
        }
        reader.Skip();
        return line[start..(int)reader.BytesConsumed];
    }

    private const int ShortValueLength = 64;

    /// <summary>
    /// Copies a short string value into <paramref name="buffer"/> as UTF-8, unescaped (the agents write ids without
    /// escapes, but a pipeline that re-encoded the line may have written <c>\u002B</c> for a +); its length, or -1
    /// when not a string or too long.
    /// </summary>
    private static int ShortString(ref Utf8JsonReader reader, scoped Span<byte> buffer)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > buffer.Length)
        {
            return -1;
        }
        if (!reader.ValueIsEscaped)
        {
            reader.ValueSpan.CopyTo(buffer);
            return reader.ValueSpan.Length;
        }
        return reader.CopyString(buffer);
    }

    private static long Time(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && EventTimestamp.TryParse(reader.ValueSpan, out long value)
            ? value
            : EventTimestamp.Unknown;
}
