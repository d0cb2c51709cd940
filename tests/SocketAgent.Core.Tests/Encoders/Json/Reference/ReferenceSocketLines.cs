using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using SocketAgent.Events;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json.Reference;

/// <summary>Socket lines as the source-generated document path wrote them: the oracle of the identity tests.</summary>
internal sealed class ReferenceSocketLines
{
    private readonly SocketDocumentFactory _factory;
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public ReferenceSocketLines(Func<uint, string?>? userNames = null) => _factory = new SocketDocumentFactory(userNames);

    public SocketDocumentFactory Factory => _factory;

    /// <summary>Every line of the snapshot, each with its <c>\n</c>.</summary>
    public byte[] WriteSnapshot(SocketSnapshot snapshot, NetworkNamespace? networkNamespace, IConnectionDirectionResolver? directions, string action = SocketDocumentFactory.SnapshotAction)
    {
        _buffer.ResetWrittenCount();
        foreach (SocketRecord record in snapshot.Sockets)
        {
            Write(_factory.Create(record, snapshot.Owners, snapshot.Host, snapshot.Timestamp, action, networkNamespace, directions));
        }
        return _buffer.WrittenSpan.ToArray();
    }

    public byte[] WriteEvent(SocketEvent socketEvent, EventStamp stamp, AgentIdentity agent, HostIdentity host, IConnectionDirectionResolver? directions = null)
    {
        _buffer.ResetWrittenCount();
        Write(_factory.CreateEvent(socketEvent, stamp, agent, host, directions));
        return _buffer.WrittenSpan.ToArray();
    }

    private void Write(SocketDocument document)
    {
        using (var writer = new Utf8JsonWriter(_buffer, JsonLinesWriter.WriterOptions))
        {
            JsonSerializer.Serialize(writer, document, ReferenceJsonContext.Default.SocketDocument);
        }
        _buffer.Write("\n"u8);
    }
}

[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Serialization,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(SocketDocument))]
internal sealed partial class ReferenceJsonContext : JsonSerializerContext
{
}
