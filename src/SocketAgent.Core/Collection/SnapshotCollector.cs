using SocketAgent.Collection.Namespaces;
using SocketAgent.Collection.Processes;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Collection.Statistics;
using SocketAgent.Model;

namespace SocketAgent.Collection;

/// <summary>
/// One collection pass over the host: in each selected network namespace (on a thread that entered it) read the
/// sockets, interfaces, routes and protocol counters; then attribute every socket to its processes with one walk
/// of /proc. The first stage of the pipeline collectors → snapshot → (diff → events) → encoder → outputs.
/// </summary>
public sealed class SnapshotCollector : IDisposable
{
    private readonly SnapshotCollectorOptions _options;
    private readonly HostIdentity _host;
    private readonly ProcessSocketScanner _scanner;
    private readonly NamespaceSocketReader _sockets;
    private readonly NetworkNamespaceEnumerator _enumerator = new();
    private readonly NetworkNamespaceRunner _runner = new();
    private readonly NetworkNamespaceCollector _namespaces;
    private readonly NamespaceNetworkReader _network = new();

    public SnapshotCollector(SnapshotCollectorOptions options)
    {
        _options = options;
        _host = HostIdentityReader.Read(options.HostName);
        _scanner = new ProcessSocketScanner(infoReader: new ProcessInfoReader(redactor: options.Redactor));
        _sockets = new NamespaceSocketReader(options.Source);
        _namespaces = new NetworkNamespaceCollector(_runner);
    }

    public HostIdentity Host => _host;

    /// <summary>
    /// Collects the selected namespaces. Throws <see cref="NetworkNamespaceException"/> for a <c>--netns PATH</c>
    /// that is not a network namespace, and <see cref="SocketSourceUnavailableException"/> when no selected
    /// namespace could be read at all; a namespace that fails among others is reported and skipped.
    /// </summary>
    public HostSnapshot Collect(SocketQuery query, CollectionDiagnostics diagnostics)
    {
        DateTimeOffset timestamp = _options.TimeProvider.GetUtcNow();
        IReadOnlyList<NetworkNamespace> selected = _enumerator.Enumerate(_options.Namespaces, diagnostics);
        IReadOnlyList<NamespaceOutcome<NamespaceState>> outcomes =
            _namespaces.Collect(selected, ns => ReadNamespace(ns, query, diagnostics), diagnostics);

        var states = new List<NamespaceState>(outcomes.Count);
        Exception? firstError = null;
        foreach (NamespaceOutcome<NamespaceState> outcome in outcomes)
        {
            if (outcome.Succeeded && outcome.Value is not null)
            {
                states.Add(outcome.Value);
            }
            else
            {
                firstError ??= outcome.Error;
            }
        }
        if (states.Count == 0 && firstError is not null)
        {
            throw firstError as SocketSourceUnavailableException
                ?? new SocketSourceUnavailableException(firstError.Message, firstError);
        }

        bool attribute = _options.AttributeProcesses && (_options.Parts & CollectedParts.Sockets) != 0;
        return new HostSnapshot
        {
            Timestamp = timestamp,
            Host = _host,
            Namespaces = states,
            Owners = attribute ? Attribute(states, diagnostics) : SocketOwners.Empty,
        };
    }

    /// <summary>Runs on a thread inside <paramref name="ns"/>: no thread-pool work here (see NetworkNamespaceRunner).</summary>
    private NamespaceState ReadNamespace(NetworkNamespace ns, SocketQuery query, CollectionDiagnostics diagnostics)
    {
        CollectedParts parts = _options.Parts;
        IReadOnlyList<SocketRecord> sockets = (parts & CollectedParts.Sockets) != 0 ? _sockets.Read(query, diagnostics) : [];

        NetworkState? network = null;
        if ((parts & (CollectedParts.Interfaces | CollectedParts.Routes)) != 0)
        {
            network = _network.Read(diagnostics);
        }

        IReadOnlyList<ProtocolStatistics> statistics = (parts & CollectedParts.Statistics) != 0
            ? new ProtocolStatisticsReader(NetworkNamespaceRunner.ThreadNetDirectory).Read(diagnostics)
            : [];

        return new NamespaceState
        {
            Namespace = ns,
            Sockets = sockets,
            Interfaces = (parts & CollectedParts.Interfaces) != 0 && network is not null ? network.Interfaces : [],
            Routes = (parts & CollectedParts.Routes) != 0 && network is not null ? network.Routes : [],
            Statistics = statistics,
            SocketSource = (parts & CollectedParts.Sockets) != 0 ? _sockets.SourceName : string.Empty,
        };
    }

    private SocketOwners Attribute(IReadOnlyList<NamespaceState> states, CollectionDiagnostics diagnostics)
    {
        var wanted = new HashSet<ulong>();
        foreach (NamespaceState state in states)
        {
            foreach (SocketRecord socket in state.Sockets)
            {
                if (socket.Inode != 0)
                {
                    wanted.Add(socket.Inode);
                }
            }
        }

        SocketOwners owners = _scanner.Scan(wanted, diagnostics);
        if (owners.ProcessesDenied > 0)
        {
            int unattributed = 0;
            foreach (ulong inode in wanted)
            {
                if (owners.Lookup(inode).Count == 0)
                {
                    unattributed++;
                }
            }
            diagnostics.Count("processes.sockets_unattributed", unattributed);
            string remedy = Interop.Sys.GetEUid() == 0
                ? "refused even to root: a security module or a sandbox hides them"
                : "run as root, or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, to see them all";
            // netstat says the same thing ("Not all processes could be identified"); we also say how many.
            diagnostics.WarnOnce("unattributed",
                $"{unattributed} of {wanted.Count} sockets could not be attributed to a process: {owners.ProcessesDenied} processes' /proc/<pid>/fd could not be read ({remedy})");
        }
        return owners;
    }

    public void Dispose() => _runner.Dispose();
}
