using System.Collections.Concurrent;
using System.Threading.Channels;
using SocketAgent.Collection.Incremental;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Processes;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Collection.Statistics;
using SocketAgent.Model;

namespace SocketAgent.Collection;

/// <summary>
/// The collection stage of the pipeline collectors → snapshot → diff → events → encoder → outputs, and its only
/// implementation: <c>--once</c>, <c>netstat</c> and every daemon cycle read the host through this type, built
/// from one <see cref="HostCollectorOptions"/>. In each selected network namespace (on a thread that entered it) it
/// reads the sockets, interfaces, routes and protocol counters; then it attributes every socket to its processes.
/// </summary>
/// <remarks>
/// A one-shot pass reads everything and walks every fd table with several threads. Following changes
/// (<see cref="HostCollectorOptions.FollowChanges"/>), each namespace keeps its readers and listeners between
/// passes: established TCP sockets are re-dumped only when the TCP counters moved, routes and interfaces only when
/// rtnetlink said they changed (or every <see cref="HostCollectorOptions.FullReadInterval"/>), and fd tables are
/// re-read only for sockets the owner cache has not seen. Not thread-safe: one pass at a time.
/// </remarks>
public sealed class HostCollector : IDisposable
{
    private readonly HostCollectorOptions _options;
    private readonly IncrementalCollectorOptions _readerOptions;
    private readonly NetworkNamespaceEnumerator _enumerator = new();
    private readonly NetworkNamespaceRunner _runner = new();
    private readonly NetworkNamespaceCollector _namespaces;
    private readonly NamespaceNetworkReader _network = new();
    private readonly ConcurrentDictionary<ulong, NamespaceWatch> _watches = new();
    private readonly ProcessSocketScanner? _scanner;
    private readonly SocketOwnerCache? _owners;
    // Warnings of the listeners' lifetime (they outlive a pass); reported with every pass's own.
    private readonly CollectionDiagnostics _lifetime = new();
    private DateTimeOffset _lastNetworkRead;

    public HostCollector(HostCollectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Host = HostIdentityReader.Read(options.HostName);
        _namespaces = new NetworkNamespaceCollector(_runner);
        _readerOptions = new IncrementalCollectorOptions
        {
            Source = options.Source,
            // A one-shot pass has nothing to carry: each of its reads is a full one.
            FullDumpInterval = options.FollowChanges ? options.FullReadInterval : TimeSpan.Zero,
            TimeProvider = options.TimeProvider,
        };
        var infoReader = new ProcessInfoReader(redactor: options.Redactor);
        if (options.FollowChanges)
        {
            _owners = new SocketOwnerCache(_readerOptions, infoReader);
        }
        else
        {
            _scanner = new ProcessSocketScanner(infoReader: infoReader);
        }
    }

    public HostIdentity Host { get; }

    /// <summary>The namespaces whose state is kept between passes.</summary>
    public int NamespacesWatched => _watches.Count;

    /// <summary>Processes the owner cache follows (0 for one-shot passes).</summary>
    public int ProcessesTracked => _owners?.ProcessesTracked ?? 0;

    /// <summary>
    /// Makes the next pass of every namespace a full one: the kernel tracer lost records, and only a complete dump
    /// shows which connections opened or ended unseen. Call it between passes, from the thread that calls <c>Collect</c>.
    /// </summary>
    public void RequestFullDumps()
    {
        foreach (NamespaceWatch watch in _watches.Values)
        {
            watch.Sockets.RequestFullDump();
        }
    }

    /// <summary>sock_diag destroy notifications received, and those lost (kernel overruns plus a full queue).</summary>
    public (long Delivered, long Lost) DestroyNotifications
    {
        get
        {
            long delivered = 0, lost = 0;
            foreach (NamespaceWatch watch in _watches.Values)
            {
                delivered += watch.Destroys?.Delivered ?? 0;
                lost += (watch.Destroys?.Overruns ?? 0) + (watch.Destroys?.Dropped ?? 0);
            }
            return (delivered, lost);
        }
    }

    /// <summary>rtnetlink link, address and route notifications received.</summary>
    public long RtnetlinkNotifications
    {
        get
        {
            long count = 0;
            foreach (NamespaceWatch watch in _watches.Values)
            {
                count += (watch.Changes?.LinkChanges ?? 0) + (watch.Changes?.AddressChanges ?? 0) + (watch.Changes?.RouteChanges ?? 0);
            }
            return count;
        }
    }

    /// <summary>
    /// The namespaces whose destroy notifications wait to be taken, each with the queue to take them from (in arrival
    /// order). The daemon empties them between two passes, so a notification is held only until the next step rather
    /// than the next pass: under churn the queue is what the heap grew with (10,000 connections a second, a
    /// one-second interval: about 14 MB of parsed sockets promoted at every collection). A pass takes what is left.
    /// Not thread-safe, like <see cref="Collect(CollectionRequest, CollectionDiagnostics)"/>: call it between passes.
    /// </summary>
    internal IEnumerable<(NetworkNamespace Namespace, ChannelReader<SockDiagDestroyEvent> Destroyed)> PendingDestroys()
    {
        foreach (NamespaceWatch watch in _watches.Values)
        {
            if (watch.Started && watch.Destroys is { } destroys && destroys.Reader.TryPeek(out _))
            {
                yield return (watch.Namespace, destroys.Reader);
            }
        }
    }

    /// <summary>
    /// One pass over everything <see cref="HostCollectorOptions.Parts"/> names (statistics included), as a snapshot:
    /// what <c>--once</c> and <c>netstat</c> print.
    /// </summary>
    public HostSnapshot Collect(SocketQuery query, CollectionDiagnostics diagnostics) =>
        Collect(new CollectionRequest { Query = query, Statistics = true }, diagnostics).ToSnapshot();

    /// <summary>
    /// One pass. Throws <see cref="NetworkNamespaceException"/> for a <c>--netns PATH</c> that is not a network
    /// namespace, and <see cref="SocketSourceUnavailableException"/> when no selected namespace could be read at all;
    /// a namespace that fails among others is reported in <paramref name="diagnostics"/> and left out.
    /// </summary>
    internal HostCollection Collect(CollectionRequest request, CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(diagnostics);
        DateTimeOffset timestamp = _options.TimeProvider.GetUtcNow();
        bool networkDue = !_options.FollowChanges || timestamp - _lastNetworkRead >= _options.FullReadInterval;
        bool statistics = request.Statistics && (_options.Parts & CollectedParts.Statistics) != 0;

        bool attribute = _options.AttributeProcesses && (_options.Parts & CollectedParts.Sockets) != 0;
        // A one-shot scan walks the fd tables while the namespaces are dumped, as ss does (/proc first): on the pool,
        // never in a namespace thread; which sockets are wanted is applied once both are done. The daemon's owner
        // cache follows the socket lists instead.
        Task<FdTableScan?>? walking = attribute && _owners is null
            ? Task.Run(() => _scanner!.Walk(diagnostics))
            : null;
        try
        {
            return Collect(request, timestamp, networkDue, statistics, attribute, walking, diagnostics);
        }
        finally
        {
            // The proc root the walk kept open is closed once the walk is done, whether the attribution used it or the
            // collection failed first (then without waiting for it, and without masking the collection's error).
            walking?.ContinueWith(static walk =>
            {
                if (walk.IsCompletedSuccessfully)
                {
                    walk.Result?.Dispose();
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private HostCollection Collect(
        CollectionRequest request, DateTimeOffset timestamp, bool networkDue, bool statistics, bool attribute, Task<FdTableScan?>? walking,
        CollectionDiagnostics diagnostics)
    {
        IReadOnlyList<NetworkNamespace> selected = _enumerator.Enumerate(_options.Namespaces, diagnostics);
        IReadOnlyList<NamespaceOutcome<NamespaceRead>> outcomes = _namespaces.Collect(
            selected, ns => ReadNamespace(ns, request.Query, networkDue, statistics, diagnostics), diagnostics);

        var reads = new List<NamespaceRead>(outcomes.Count);
        Exception? firstError = null;
        foreach (NamespaceOutcome<NamespaceRead> outcome in outcomes)
        {
            if (outcome.Succeeded && outcome.Value is not null)
            {
                reads.Add(outcome.Value);
            }
            else
            {
                firstError ??= outcome.Error;
            }
        }
        if (reads.Count == 0 && firstError is not null && !_options.FollowChanges)
        {
            throw firstError as SocketSourceUnavailableException
                ?? new SocketSourceUnavailableException(firstError.Message, firstError);
        }
        if (reads.Any(static r => r.Network is not null))
        {
            _lastNetworkRead = timestamp;
        }

        // Attribution on the caller's thread (it reads /proc with several threads: never in a namespace thread).
        SocketOwners owners = attribute ? Attribute(reads, walking, diagnostics) : SocketOwners.Empty;

        var namespaces = new List<NamespaceCollection>(reads.Count);
        foreach (NamespaceRead read in reads)
        {
            namespaces.Add(Complete(read));
        }
        IReadOnlyList<NetworkNamespace> vanished = _options.FollowChanges ? ForgetVanished(selected) : [];
        if (_options.FollowChanges)
        {
            // Listener threads start here, on the caller's thread, for namespaces seen for the first time.
            foreach (NamespaceWatch watch in _watches.Values)
            {
                watch.StartListeners();
            }
        }
        else
        {
            DisposeWatches();
        }
        foreach (string warning in _lifetime.Warnings)
        {
            diagnostics.WarnOnce(warning, warning);
        }

        return new HostCollection { Timestamp = timestamp, Host = Host, Namespaces = namespaces, Vanished = vanished, Owners = owners };
    }

    /// <summary>Runs on a thread inside <paramref name="ns"/>: opens what must live there, reads, starts no pool work.</summary>
    private NamespaceRead ReadNamespace(NetworkNamespace ns, SocketQuery query, bool networkDue, bool statistics, CollectionDiagnostics diagnostics)
    {
        CollectedParts parts = _options.Parts;
        NamespaceWatch watch = _watches.GetOrAdd(ns.Inode, _ => new NamespaceWatch(ns, query, _options, _readerOptions, _lifetime));
        bool isNew = !watch.Started;

        if (watch.Destroys is { } destroys && destroys.Overruns > watch.LastDestroyOverruns)
        {
            // The kernel dropped destroy notifications: only a full dump can tell which sockets went away.
            watch.LastDestroyOverruns = destroys.Overruns;
            watch.Sockets.RequestFullDump();
        }
        bool sockets = (parts & CollectedParts.Sockets) != 0 && query.Transports != TransportSet.None;
        IReadOnlyList<SocketRecord> records = sockets ? watch.Sockets.Read(query, diagnostics) : [];

        NetworkState? network = null;
        if ((parts & (CollectedParts.Interfaces | CollectedParts.Routes)) != 0)
        {
            RtnetlinkChangeKind changed = watch.Changes?.TakePending() ?? RtnetlinkChangeKind.All;
            if (isNew || networkDue || changed != RtnetlinkChangeKind.None)
            {
                network = _network.Read(diagnostics);
                watch.LastInterfaces = network.Interfaces;
            }
        }
        IReadOnlyList<ProtocolStatistics> counters = statistics
            ? new ProtocolStatisticsReader(NetworkNamespaceRunner.ThreadNetDirectory).Read(diagnostics)
            : [];
        return new NamespaceRead(watch, isNew, records, sockets ? watch.Sockets.SourceName : string.Empty, network, counters,
            sockets && watch.Sockets.TcpConnectionsOmitted);
    }

    private NamespaceCollection Complete(NamespaceRead read)
    {
        // Drained after the dump: what was destroyed before (or while) it was read. The differ then knows not to
        // close those sockets again when the dump no longer (or still) shows them.
        List<SockDiagDestroyEvent>? destroyed = null;
        if (read.Watch.Destroys is { } destroys)
        {
            while (destroys.Reader.TryRead(out SockDiagDestroyEvent e))
            {
                (destroyed ??= []).Add(e);
            }
        }
        CollectedParts parts = _options.Parts;
        return new NamespaceCollection
        {
            Namespace = read.Watch.Namespace,
            IsNew = read.IsNew,
            Sockets = read.Sockets,
            SocketSource = read.SocketSource,
            TcpConnectionsOmitted = read.TcpConnectionsOmitted,
            Destroyed = destroyed ?? (IReadOnlyList<SockDiagDestroyEvent>)[],
            Interfaces = (parts & CollectedParts.Interfaces) != 0 ? read.Network?.Interfaces : null,
            Routes = (parts & CollectedParts.Routes) != 0 ? read.Network?.Routes : null,
            KnownInterfaces = read.Watch.LastInterfaces,
            Statistics = read.Statistics,
        };
    }

    private SocketOwners Attribute(List<NamespaceRead> reads, Task<FdTableScan?>? walking, CollectionDiagnostics diagnostics)
    {
        // The daemon's owner cache takes the socket lists as they are; only a one-shot scan needs the set of inodes
        // (built per pass, it was most of an idle daemon cycle's garbage on 20,000 sockets: 1.1 MB a cycle).
        SocketOwners owners = _owners is not null
            ? _owners.Resolve(reads.Select(static r => r.Sockets).ToList(), diagnostics)
            : ResolveWalk(walking!, Inodes(reads), diagnostics);

        if (owners.ProcessesDenied > 0)
        {
            // A socket's inode is in one dump once (inodes are host-wide; a remnant's is 0 and is skipped).
            int wanted = 0, unattributed = 0;
            foreach (NamespaceRead read in reads)
            {
                foreach (SocketRecord socket in read.Sockets)
                {
                    if (socket.Inode != 0)
                    {
                        wanted++;
                        unattributed += owners.Lookup(socket.Inode).Count == 0 ? 1 : 0;
                    }
                }
            }
            diagnostics.Count("processes.sockets_unattributed", unattributed);
            string remedy = Interop.Sys.GetEUid() == 0
                ? "refused even to root: a security module or a sandbox hides them"
                : "run as root, or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, to see them all";
            // netstat says the same thing ("Not all processes could be identified"); we also say how many. The
            // daemon logs a warning once per distinct text: again whenever the count changes.
            diagnostics.WarnOnce("unattributed",
                $"{unattributed} of {wanted} sockets could not be attributed to a process: {owners.ProcessesDenied} processes' /proc/<pid>/fd could not be read ({remedy})");
        }
        return owners;
    }

    private SocketOwners ResolveWalk(Task<FdTableScan?> walking, HashSet<ulong> wanted, CollectionDiagnostics diagnostics)
    {
        FdTableScan? walked = walking.GetAwaiter().GetResult();
        return walked is null ? SocketOwners.Empty : _scanner!.Resolve(walked, wanted, diagnostics);
    }

    private static HashSet<ulong> Inodes(List<NamespaceRead> reads)
    {
        var inodes = new HashSet<ulong>();
        foreach (NamespaceRead read in reads)
        {
            foreach (SocketRecord socket in read.Sockets)
            {
                if (socket.Inode != 0)
                {
                    inodes.Add(socket.Inode);
                }
            }
        }
        return inodes;
    }

    private List<NetworkNamespace> ForgetVanished(IReadOnlyList<NetworkNamespace> selected)
    {
        var vanished = new List<NetworkNamespace>();
        if (_watches.Count <= selected.Count)
        {
            return vanished;
        }
        var alive = selected.Select(static n => n.Inode).ToHashSet();
        foreach ((ulong inode, NamespaceWatch watch) in _watches.ToArray())
        {
            if (!alive.Contains(inode) && _watches.TryRemove(inode, out _))
            {
                vanished.Add(watch.Namespace);
                watch.Dispose();
            }
        }
        return vanished;
    }

    private void DisposeWatches()
    {
        foreach (NamespaceWatch watch in _watches.Values)
        {
            watch.Dispose();
        }
        _watches.Clear();
    }

    public void Dispose()
    {
        DisposeWatches();
        _runner.Dispose();
    }

    private sealed record NamespaceRead(
        NamespaceWatch Watch, bool IsNew, IReadOnlyList<SocketRecord> Sockets, string SocketSource, NetworkState? Network,
        IReadOnlyList<ProtocolStatistics> Statistics, bool TcpConnectionsOmitted);
}
