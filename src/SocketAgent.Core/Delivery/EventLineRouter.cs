using System.Buffers;
using System.Text.Json;

namespace SocketAgent.Delivery;

/// <summary>
/// The write-only stream the JSON-lines encoder writes into: it cuts the bytes into lines and hands each line to
/// every local output (stdout, file) and, as a <see cref="DeliveryRecord"/>, to the spool of each remote output.
/// The routing fields (<c>event.sequence</c>, <c>event.dataset</c>, <c>network.community_id</c>) are read from the
/// line itself, so the encoder stays the single source of truth for what a line says.
/// </summary>
public sealed class EventLineRouter : Stream
{
    private readonly IReadOnlyList<ILineOutput> _lines;
    private readonly Action<DeliveryRecord>? _remote;
    private readonly ArrayBufferWriter<byte> _pending = new(1 << 16);
    private readonly Action<ILineOutput, IOException>? _failed;
    private byte[] _scratch = new byte[4096];

    /// <param name="lineOutputs">Local outputs; each gets every line.</param>
    /// <param name="remote">
    /// Where lines for remote outputs go (the spool's append), or null when there is none. The record's bytes are
    /// only valid during the call (a reused buffer: no allocation per line) — copy them, as the spool does.
    /// </param>
    /// <param name="failed">
    /// Told when a local output refuses a line (a full disk): that output's line is lost and counted there, and the
    /// other outputs still get it — one failing output never stops the others. A closed stdout (EPIPE) is not a
    /// failure: it propagates, and ends the agent cleanly. Null: every exception propagates.
    /// </param>
    public EventLineRouter(IReadOnlyList<ILineOutput> lineOutputs, Action<DeliveryRecord>? remote, Action<ILineOutput, IOException>? failed = null)
    {
        _lines = lineOutputs;
        _remote = remote;
        _failed = failed;
    }

    /// <summary>Lines routed so far.</summary>
    public long Lines { get; private set; }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int newline = buffer.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _pending.Write(buffer);
                return;
            }
            if (_pending.WrittenCount == 0)
            {
                Route(buffer[..newline]);
            }
            else
            {
                _pending.Write(buffer[..newline]);
                Route(_pending.WrittenSpan);
                _pending.ResetWrittenCount();
            }
            buffer = buffer[(newline + 1)..];
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    private void Route(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            return;
        }
        Lines++;
        foreach (ILineOutput output in _lines)
        {
            try
            {
                output.Write(line);
            }
            catch (IOException ex) when (_failed is not null && ex.HResult != BrokenPipe)
            {
                _failed(output, ex);
            }
        }
        if (_remote is not null)
        {
            (long sequence, string dataset, string? communityId) = ReadRouting(line);
            if (_scratch.Length < line.Length)
            {
                _scratch = new byte[Math.Max(line.Length, _scratch.Length * 2)];
            }
            line.CopyTo(_scratch);
            _remote(new DeliveryRecord(sequence, dataset, communityId, _scratch.AsMemory(0, line.Length)));
        }
    }

    /// <summary>The three routing fields of an encoded line, found with one forward pass of the reader.</summary>
    internal static (long Sequence, string Dataset, string? CommunityId) ReadRouting(ReadOnlySpan<byte> line)
    {
        long sequence = 0;
        string dataset = "unknown";
        string? communityId = null;
        var reader = new Utf8JsonReader(line);
        string? parent = null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 1 && parent == "network")
            {
                // The encoder writes event and network before the large objects (socket, process): stop here.
                break;
            }
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.CurrentDepth == 1)
                {
                    parent = reader.ValueTextEquals("event"u8) ? "event" : reader.ValueTextEquals("network"u8) ? "network" : null;
                    if (parent is null)
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
                else if (reader.CurrentDepth == 2 && parent == "event" && reader.ValueTextEquals("sequence"u8))
                {
                    reader.Read();
                    sequence = reader.GetInt64();
                }
                else if (reader.CurrentDepth == 2 && parent == "event" && reader.ValueTextEquals("dataset"u8))
                {
                    reader.Read();
                    // The five datasets as constants: no string per line.
                    dataset = reader.ValueTextEquals("socket"u8) ? "socket"
                        : reader.ValueTextEquals("route"u8) ? "route"
                        : reader.ValueTextEquals("interface"u8) ? "interface"
                        : reader.ValueTextEquals("netstat"u8) ? "netstat"
                        : reader.ValueTextEquals("agent"u8) ? "agent"
                        : reader.GetString() ?? dataset;
                }
                else if (reader.CurrentDepth == 2 && parent == "network" && reader.ValueTextEquals("community_id"u8))
                {
                    reader.Read();
                    communityId = reader.GetString();
                }
            }
        }
        return (sequence, dataset, communityId);
    }

    public override void Flush()
    {
        foreach (ILineOutput output in _lines)
        {
            try
            {
                output.Flush();
            }
            catch (IOException ex) when (_failed is not null && ex.HResult != BrokenPipe)
            {
                _failed(output, ex);
            }
        }
    }

    /// <summary>EPIPE: the reader of stdout went away.</summary>
    private const int BrokenPipe = 32;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
