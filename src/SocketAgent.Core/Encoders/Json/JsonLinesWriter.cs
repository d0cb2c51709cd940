using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Writes JSON lines: one compact UTF-8 document per line, <c>\n</c>-terminated, no BOM — sockets
/// (<see cref="SocketLineEncoder"/>, written straight from the records with no allocation per line) and the whole-host
/// state of a namespace: routes, interfaces and protocol counters (<see cref="HostStateDocumentFactory"/>), in any mix.
/// Each line goes, as soon as it is complete, to an <see cref="IEncodedLineSink"/> with its routing metadata
/// (sequence, dataset, Community ID), so no output has to parse a line back; call <see cref="Flush"/> to push them out.
/// Not thread-safe.
/// </summary>
public sealed class JsonLinesWriter : IDisposable
{
    // Escape only what JSON requires (quotes, backslash, control characters, invalid UTF-16): the lines are
    // not embedded in HTML, and escaping '+' or every non-ASCII character would garble community ids and
    // command lines for human readers and cost bytes.
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    private readonly IEncodedLineSink _sink;
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private readonly Utf8JsonWriter _writer;
    private readonly SocketLineEncoder _sockets;
    private readonly HostStateDocumentFactory _hostStateFactory;
    private bool _disposed;

    // The routing metadata of the line being written.
    private long _lineSequence;
    private string _lineDataset = SocketDataset;
    private bool _lineIsSocket;

    private const string SocketDataset = "socket";

    /// <param name="output">Where the lines go; not closed by <see cref="Dispose"/>.</param>
    /// <param name="userNames">
    /// uid → account name for <c>user.name</c> of sockets whose uid no holder process shares (or that have no holder),
    /// so it is there whenever netstat -e would print a name; null leaves those names out.
    /// </param>
    public JsonLinesWriter(Stream output, Func<uint, string?>? userNames = null)
        : this(output, userNames, routeTables: null)
    {
    }

    /// <param name="output">Where the lines go, <c>\n</c>-terminated (<see cref="StreamLineSink"/>); not closed by <see cref="Dispose"/>.</param>
    /// <param name="userNames">uid → account name for <c>user.name</c> (see <see cref="JsonLinesWriter(Stream, Func{uint, string?})"/>).</param>
    /// <param name="routeTables">Names for <c>route.table</c> (<see cref="RouteTableNames.LoadSystem"/>); null for the built-ins.</param>
    /// <param name="fields">How much detail a socket line carries.</param>
    public JsonLinesWriter(Stream output, Func<uint, string?>? userNames, RouteTableNames? routeTables, FieldProfile fields = FieldProfile.Default,
        Collection.Containers.IContainerDirectory? containers = null)
        : this(new StreamLineSink(output), userNames, routeTables, fields, containers)
    {
    }

    /// <param name="sink">Where each line goes, with its routing metadata.</param>
    /// <param name="userNames">uid → account name for <c>user.name</c> (see <see cref="JsonLinesWriter(Stream, Func{uint, string?})"/>).</param>
    /// <param name="routeTables">Names for <c>route.table</c> (<see cref="RouteTableNames.LoadSystem"/>); null for the built-ins.</param>
    /// <param name="fields">How much detail a socket line carries.</param>
    public JsonLinesWriter(IEncodedLineSink sink, Func<uint, string?>? userNames, RouteTableNames? routeTables, FieldProfile fields = FieldProfile.Default,
        Collection.Containers.IContainerDirectory? containers = null)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _sink = sink;
        _sockets = new SocketLineEncoder(userNames, fields, containers);
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
                BeginLine(0, SocketDataset, socket: true);
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
            BeginLine(stamp.Sequence, SocketDataset, socket: true);
            _sockets.WriteEventLine(_writer, socketEvent, stamp, agent, host, directions);
        }
        finally
        {
            EndLine();
        }
    }

    /// <summary>Writes one route event (<c>snapshot</c>, <c>added</c>, <c>removed</c>, <c>changed</c>) with the envelope.</summary>
    public void WriteEvent(RouteEvent routeEvent, EventStamp stamp, AgentIdentity agent, HostIdentity host) =>
        Write(stamp.Sequence, _hostStateFactory.CreateRouteEvent(routeEvent, stamp, agent, host));

    /// <summary>Writes one interface event (<c>snapshot</c>, <c>up</c>, <c>down</c>, <c>changed</c>, <c>added</c>, <c>removed</c>, <c>address_added</c>, <c>address_removed</c>) with the envelope.</summary>
    public void WriteEvent(InterfaceEvent interfaceEvent, EventStamp stamp, AgentIdentity agent, HostIdentity host) =>
        Write(stamp.Sequence, _hostStateFactory.CreateInterfaceEvent(interfaceEvent, stamp, agent, host));

    /// <summary>
    /// Writes one line of periodic protocol counters (<c>--stats-interval</c>): dataset <c>netstat</c>, action
    /// <c>counters</c>, kind <c>metric</c>, with the envelope. One call per <see cref="ProtocolStatistics"/> group
    /// because each line takes its own stamp.
    /// </summary>
    public void WriteCounters(ProtocolStatistics statistics, NetworkNamespace? networkNamespace, HostIdentity host, DateTimeOffset timestamp, EventStamp stamp, AgentIdentity agent) =>
        Write(stamp.Sequence, _hostStateFactory.CreateCounters(statistics, networkNamespace, host, timestamp, stamp, agent));

    /// <summary>Writes the heartbeat line: dataset <c>agent</c>, action <c>heartbeat</c>, kind <c>metric</c>.</summary>
    public void WriteHeartbeat(HeartbeatRecord heartbeat, EventStamp stamp, AgentIdentity agent, HostIdentity host) =>
        Write(stamp.Sequence, _hostStateFactory.CreateHeartbeat(heartbeat, stamp, agent, host));

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

    /// <summary>Writes one document as one line (no envelope: sequence 0).</summary>
    public void Write(RouteDocument document) => Write(0, document);

    /// <summary>Writes one document as one line (no envelope: sequence 0).</summary>
    public void Write(InterfaceDocument document) => Write(0, document);

    /// <summary>Writes one document as one line (no envelope: sequence 0).</summary>
    public void Write(NetstatDocument document) => Write(0, document);

    /// <summary>Writes one document as one line (no envelope: sequence 0).</summary>
    public void Write(HeartbeatDocument document) => Write(0, document);

    private void Write(long sequence, RouteDocument document) =>
        WriteLine(document, SocketJsonContext.Default.RouteDocument, sequence, HostStateDocumentFactory.RouteDataset);

    private void Write(long sequence, InterfaceDocument document) =>
        WriteLine(document, SocketJsonContext.Default.InterfaceDocument, sequence, HostStateDocumentFactory.InterfaceDataset);

    private void Write(long sequence, NetstatDocument document) =>
        WriteLine(document, SocketJsonContext.Default.NetstatDocument, sequence, HostStateDocumentFactory.NetstatDataset);

    private void Write(long sequence, HeartbeatDocument document) =>
        WriteLine(document, SocketJsonContext.Default.HeartbeatDocument, sequence, HostStateDocumentFactory.AgentDataset);

    /// <summary>Writes the <c>loss</c> line naming events <paramref name="first"/>..<paramref name="last"/> that a spool dropped.</summary>
    public void WriteLoss(long first, long last, long count, string reason, string output, DateTimeOffset timestamp, EventStamp stamp, AgentIdentity agent, HostIdentity host) =>
        WriteLine(_hostStateFactory.CreateLoss(first, last, count, reason, output, timestamp, stamp, agent, host),
            SocketJsonContext.Default.LossDocument, stamp.Sequence, HostStateDocumentFactory.AgentDataset);

    private void WriteLine<T>(T document, JsonTypeInfo<T> typeInfo, long sequence, string dataset)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(document);
        ObjectDisposedException.ThrowIf(_disposed, this);

        try
        {
            BeginLine(sequence, dataset, socket: false);
            JsonSerializer.Serialize(_writer, document, typeInfo);
        }
        finally
        {
            EndLine();
        }
    }

    private void BeginLine(long sequence, string dataset, bool socket)
    {
        _lineSequence = sequence;
        _lineDataset = dataset;
        _lineIsSocket = socket;
    }

    /// <summary>
    /// Ends the line the JSON writer holds: its bytes go to the sink with their metadata, and the writer is reset so
    /// the next document starts a fresh top-level value. After a failed document the partial bytes are dropped
    /// instead: a broken line is never written.
    /// </summary>
    private void EndLine()
    {
        bool complete = _writer.CurrentDepth == 0 && _writer.BytesPending + _writer.BytesCommitted > 0;
        if (complete)
        {
            _writer.Flush();
        }
        _writer.Reset();
        if (complete)
        {
            ReadOnlySpan<byte> communityId = _lineIsSocket ? _sockets.LastCommunityId : default;
            _sink.Write(new EncodedLine(_lineSequence, _lineDataset, communityId, _buffer.WrittenSpan));
        }
        _buffer.ResetWrittenCount();
    }

    /// <summary>Pushes the lines the sink buffered to their destination.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _sink.Flush();
    }

    /// <summary>Flushes buffered lines; does not dispose the sink or stream, which the caller owns.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            _sink.Flush();
        }
        finally
        {
            _disposed = true;
            _writer.Dispose();
        }
    }
}
