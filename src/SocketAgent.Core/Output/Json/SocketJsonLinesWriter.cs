using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Output.Json;

/// <summary>
/// Writes JSON lines: one compact UTF-8 document per line, <c>\n</c>-terminated, no BOM — sockets
/// (<see cref="SocketLineEncoder"/>, written straight from the records with no allocation per line) and the whole-host
/// state of a namespace: routes, interfaces and protocol counters (<see cref="HostStateDocumentFactory"/>), in any mix.
/// Lines are gathered in a buffer and handed to the stream in large writes; call <see cref="Flush"/> to push them out.
/// Not thread-safe.
/// </summary>
public sealed class SocketJsonLinesWriter : IDisposable
{
    // Large enough that a snapshot of 20,000 sockets is a few hundred writes, not 20,000.
    private const int FlushThreshold = 64 * 1024;

    // Escape only what JSON requires (quotes, backslash, control characters, invalid UTF-16): the lines are
    // not embedded in HTML, and escaping '+' or every non-ASCII character would garble community ids and
    // command lines for human readers and cost bytes.
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    private readonly Stream _output;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold * 2);
    private readonly Utf8JsonWriter _writer;
    private readonly SocketLineEncoder _sockets;
    private readonly HostStateDocumentFactory _hostStateFactory;
    private bool _disposed;

    /// <param name="output">Where the lines go; not closed by <see cref="Dispose"/>.</param>
    /// <param name="userNames">
    /// uid → account name for <c>user.name</c> of sockets whose uid no holder process shares (or that have no holder),
    /// so it is there whenever netstat -e would print a name; null leaves those names out.
    /// </param>
    public SocketJsonLinesWriter(Stream output, Func<uint, string?>? userNames = null)
        : this(output, userNames, routeTables: null)
    {
    }

    /// <param name="output">Where the lines go; not closed by <see cref="Dispose"/>.</param>
    /// <param name="userNames">uid → account name for <c>user.name</c> (see <see cref="SocketJsonLinesWriter(Stream, Func{uint, string?})"/>).</param>
    /// <param name="routeTables">Names for <c>route.table</c> (<see cref="RouteTableNames.LoadSystem"/>); null for the built-ins.</param>
    public SocketJsonLinesWriter(Stream output, Func<uint, string?>? userNames, RouteTableNames? routeTables)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _sockets = new SocketLineEncoder(userNames);
        _hostStateFactory = new HostStateDocumentFactory(routeTables);
        _writer = new Utf8JsonWriter(_buffer, WriterOptions);
    }

    /// <summary>The factory that builds route, interface and netstat documents.</summary>
    public HostStateDocumentFactory HostStateFactory => _hostStateFactory;

    /// <summary>
    /// Writes one line per socket of <paramref name="snapshot"/>, with <c>network.direction</c> and
    /// <c>source</c>/<c>destination</c>/<c>client</c>/<c>server</c> resolved from the snapshot itself
    /// (<see cref="ConnectionDirectionResolver.FromSockets"/>).
    /// </summary>
    public void WriteSnapshot(SocketSnapshot snapshot, string action = EventFields.SnapshotAction) =>
        WriteSnapshot(snapshot, networkNamespace: null, action);

    /// <summary>
    /// Writes one line per socket of <paramref name="snapshot"/>, collected in <paramref name="networkNamespace"/>
    /// (<c>network.netns</c>, and <c>container.id</c> for sockets no containerised process holds). Directions are
    /// resolved from the snapshot itself.
    /// </summary>
    public void WriteSnapshot(SocketSnapshot snapshot, NetworkNamespace? networkNamespace, string action = EventFields.SnapshotAction)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        WriteSnapshot(snapshot, networkNamespace, ConnectionDirectionResolver.FromSockets(snapshot.Sockets), action);
    }

    /// <summary>
    /// As <see cref="WriteSnapshot(SocketSnapshot, NetworkNamespace?, string)"/>, with the caller's direction resolver
    /// (<see cref="ConnectionDirectionResolver.FromNamespace"/> also knows the interfaces' addresses); null leaves the
    /// direction fields out.
    /// </summary>
    public void WriteSnapshot(SocketSnapshot snapshot, NetworkNamespace? networkNamespace, IConnectionDirectionResolver? directions, string action = EventFields.SnapshotAction)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ObjectDisposedException.ThrowIf(_disposed, this);

        IReadOnlyList<SocketRecord> sockets = snapshot.Sockets;
        for (int i = 0; i < sockets.Count; i++)
        {
            try
            {
                _sockets.WriteSnapshotLine(_writer, sockets[i], snapshot.Owners, snapshot.Host, snapshot.Timestamp, action, networkNamespace, directions);
            }
            finally
            {
                EndLine();
            }
        }
    }

    /// <summary>
    /// Writes one socket event (<c>snapshot</c>, <c>opened</c>, <c>closed</c>, <c>state_changed</c>) with the
    /// envelope: <c>event.id</c>/<c>event.sequence</c> from <paramref name="stamp"/>, <c>agent.*</c> and
    /// <c>host.boot.id</c> from <paramref name="agent"/>.
    /// </summary>
    /// <param name="directions">The resolver of the socket's namespace; null leaves the direction fields out.</param>
    public void WriteEvent(SocketEvent socketEvent, EventStamp stamp, AgentIdentity agent, HostIdentity host, IConnectionDirectionResolver? directions = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            _sockets.WriteEventLine(_writer, socketEvent, stamp, agent, host, directions);
        }
        finally
        {
            EndLine();
        }
    }

    /// <summary>Writes one route event (<c>snapshot</c>, <c>added</c>, <c>removed</c>, <c>changed</c>) with the envelope.</summary>
    public void WriteEvent(RouteEvent routeEvent, EventStamp stamp, AgentIdentity agent, HostIdentity host) =>
        Write(_hostStateFactory.CreateRouteEvent(routeEvent, stamp, agent, host));

    /// <summary>Writes one interface event (<c>snapshot</c>, <c>up</c>, <c>down</c>, <c>changed</c>, <c>added</c>, <c>removed</c>, <c>address_added</c>, <c>address_removed</c>) with the envelope.</summary>
    public void WriteEvent(InterfaceEvent interfaceEvent, EventStamp stamp, AgentIdentity agent, HostIdentity host) =>
        Write(_hostStateFactory.CreateInterfaceEvent(interfaceEvent, stamp, agent, host));

    /// <summary>
    /// Writes one line of periodic protocol counters (<c>--stats-interval</c>): dataset <c>netstat</c>, action
    /// <c>counters</c>, kind <c>metric</c>, with the envelope. One call per <see cref="ProtocolStatistics"/> group
    /// because each line takes its own stamp.
    /// </summary>
    public void WriteCounters(ProtocolStatistics statistics, NetworkNamespace? networkNamespace, HostIdentity host, DateTimeOffset timestamp, EventStamp stamp, AgentIdentity agent) =>
        Write(_hostStateFactory.CreateCounters(statistics, networkNamespace, host, timestamp, stamp, agent));

    /// <summary>Writes the heartbeat line: dataset <c>agent</c>, action <c>heartbeat</c>, kind <c>metric</c>.</summary>
    public void WriteHeartbeat(HeartbeatRecord heartbeat, EventStamp stamp, AgentIdentity agent, HostIdentity host) =>
        Write(_hostStateFactory.CreateHeartbeat(heartbeat, stamp, agent, host));

    /// <summary>Writes one <c>route</c> line per route of <paramref name="networkNamespace"/>.</summary>
    public void WriteRoutes(IReadOnlyList<RouteRecord> routes, NetworkNamespace? networkNamespace, HostIdentity host, DateTimeOffset timestamp, string action = EventFields.SnapshotAction)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ObjectDisposedException.ThrowIf(_disposed, this);

        for (int i = 0; i < routes.Count; i++)
        {
            Write(_hostStateFactory.CreateRoute(routes[i], networkNamespace, host, timestamp, action));
        }
    }

    /// <summary>Writes one <c>interface</c> line per interface of <paramref name="networkNamespace"/>.</summary>
    public void WriteInterfaces(IReadOnlyList<InterfaceRecord> interfaces, NetworkNamespace? networkNamespace, HostIdentity host, DateTimeOffset timestamp, string action = EventFields.SnapshotAction)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        ObjectDisposedException.ThrowIf(_disposed, this);

        for (int i = 0; i < interfaces.Count; i++)
        {
            Write(_hostStateFactory.CreateInterface(interfaces[i], networkNamespace, host, timestamp, action));
        }
    }

    /// <summary>Writes one <c>netstat</c> line per protocol group of <paramref name="networkNamespace"/>.</summary>
    public void WriteStatistics(IReadOnlyList<ProtocolStatistics> statistics, NetworkNamespace? networkNamespace, HostIdentity host, DateTimeOffset timestamp, string action = EventFields.SnapshotAction)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ObjectDisposedException.ThrowIf(_disposed, this);

        for (int i = 0; i < statistics.Count; i++)
        {
            Write(_hostStateFactory.CreateStatistics(statistics[i], networkNamespace, host, timestamp, action));
        }
    }

    /// <summary>Writes one document as one line.</summary>
    public void Write(RouteDocument document) => WriteLine(document, SocketJsonContext.Default.RouteDocument);

    /// <summary>Writes one document as one line.</summary>
    public void Write(InterfaceDocument document) => WriteLine(document, SocketJsonContext.Default.InterfaceDocument);

    /// <summary>Writes one document as one line.</summary>
    public void Write(NetstatDocument document) => WriteLine(document, SocketJsonContext.Default.NetstatDocument);

    /// <summary>Writes one document as one line.</summary>
    public void Write(HeartbeatDocument document) => WriteLine(document, SocketJsonContext.Default.HeartbeatDocument);

    /// <summary>Writes the <c>loss</c> line naming events <paramref name="first"/>..<paramref name="last"/> that a spool dropped.</summary>
    public void WriteLoss(long first, long last, long count, string reason, string output, DateTimeOffset timestamp, EventStamp stamp, AgentIdentity agent, HostIdentity host) =>
        WriteLine(_hostStateFactory.CreateLoss(first, last, count, reason, output, timestamp, stamp, agent, host), SocketJsonContext.Default.LossDocument);

    private void WriteLine<T>(T document, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(document);
        ObjectDisposedException.ThrowIf(_disposed, this);

        try
        {
            JsonSerializer.Serialize(_writer, document, typeInfo);
        }
        finally
        {
            EndLine();
        }
    }

    /// <summary>
    /// Ends the line the JSON writer holds: its bytes go to the buffer with a <c>\n</c>, and the writer is reset so the
    /// next document starts a fresh top-level value. After a failed document the partial bytes are dropped instead:
    /// a broken line is never written.
    /// </summary>
    private void EndLine()
    {
        bool complete = _writer.CurrentDepth == 0 && _writer.BytesPending + _writer.BytesCommitted > 0;
        if (complete)
        {
            _writer.Flush();
        }
        _writer.Reset();
        if (!complete)
        {
            return;
        }

        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);

        if (_buffer.WrittenCount >= FlushThreshold)
        {
            Drain();
        }
    }

    /// <summary>Writes the buffered lines to the stream and flushes it.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Drain();
        _output.Flush();
    }

    /// <summary>Flushes buffered lines; does not dispose the stream, which the caller owns.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            Drain();
            _output.Flush();
        }
        finally
        {
            _disposed = true;
            _writer.Dispose();
        }
    }

    private void Drain()
    {
        if (_buffer.WrittenCount > 0)
        {
            _output.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
    }
}
