using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Diff;

/// <summary>
/// Turns consecutive socket snapshots (one per network namespace per collection) and sock_diag destroy
/// notifications into <see cref="SocketEvent"/>s. One instance per agent; not thread-safe: call it from the
/// collection loop only (destroy notifications included).
/// </summary>
/// <remarks>
/// <para><b>Identity.</b> A socket is its cookie: stable for its life, unique host-wide, never reused, so an inode
/// reused by a new socket never passes for the old one. Records without a cookie (the /proc/net source) are keyed
/// by <see cref="SocketFallbackKey"/> (addresses + inode); such a record with inode 0 is not tracked at all.</para>
/// <para><b>Events.</b> The first collection of a namespace reports each socket as <see cref="FirstSight"/> says
/// (default <c>snapshot</c>). Later: a new socket → <c>opened</c> (listeners included); a TCP state change →
/// <c>state_changed</c> with the previous state (only TCP: a UDP socket's connect and a UNIX socket's state are
/// record updates, not events); a socket gone → <c>closed</c> with its last known record, owners, first sighting
/// and duration. A change of owners (fd passed on, parent exited and a child kept the fd) is no event: the owners
/// are updated silently, and an empty owner list (the process exited between the two reads, or the caller only
/// attributed new sockets) keeps the last known owners.</para>
/// <para><b>The end of a socket.</b> Its life ends when the kernel stops keeping it as a full socket: it is
/// destroyed (<see cref="OnDestroyed"/>: exact time, final tcp_info), it disappears from the dump, or only its
/// TIME_WAIT entry is left (same cookie, inode 0, no tcp_info; also shown as FIN_WAIT2 for an orphan whose peer
/// has not closed). Whichever comes first gives the one <c>closed</c> event; the state carried is the remnant's
/// (TIME_WAIT / FIN_WAIT2) or the destroy's (CLOSE). TIME_WAIT and SYN_RECV mini sockets never produce events of
/// their own: they are the kernel's bookkeeping for a connection, not a socket a process holds. So a connection
/// closed by us goes ESTABLISHED → (FIN_WAIT1 → FIN_WAIT2 as <c>state_changed</c>, when a collection catches
/// them) → <c>closed</c>, and the 60 s of TIME_WAIT that follow are silent.</para>
/// <para><b>Never closed twice.</b> Destroyed cookies are remembered (<see cref="SocketDifferOptions"/>), so a
/// duplicate notification, or a dump taken just before the destroy that still lists the socket, neither closes
/// nor re-opens it. With <see cref="SocketDifferOptions.DestroyEventsExpected"/>, TCP/UDP sockets a snapshot no
/// longer shows are closed one collection later unless their destroy arrives first, and their cookies are kept
/// until it does, so the late destroy of a socket whose process held the fd after the connection ended is not a
/// second close.</para>
/// </remarks>
internal sealed class SocketDiffer
{
    private static readonly SocketEvent[] s_none = [];

    private readonly SocketDifferOptions _options;
    private readonly Dictionary<ulong, NamespaceSockets> _namespaces = [];
    private readonly EndedCookieSet _destroyed;
    private readonly EndedCookieSet _awaitingDestroy;

    public SocketDiffer(SocketDifferOptions? options = null)
    {
        _options = options ?? SocketDifferOptions.Default;
        _destroyed = new EndedCookieSet(_options.EndedCookieCapacity);
        _awaitingDestroy = new EndedCookieSet(_options.EndedCookieCapacity);
    }

    /// <summary>Sockets currently tracked as open, all namespaces together (for the heartbeat).</summary>
    public int TrackedCount
    {
        get
        {
            int count = 0;
            foreach (NamespaceSockets sockets in _namespaces.Values)
            {
                count += sockets.Count;
            }
            return count;
        }
    }

    /// <summary>Cookies remembered as ended (destroyed or awaiting their destroy).</summary>
    public int RememberedEndedCount => _destroyed.Count + _awaitingDestroy.Count;

    /// <summary>Applies every namespace of a host snapshot, in order; namespaces it lacks are left as they are (see <see cref="RemoveNamespace"/>).</summary>
    public IReadOnlyList<SocketEvent> Apply(HostSnapshot snapshot, FirstSight firstSight = FirstSight.Snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        List<SocketEvent>? all = null;
        foreach (NamespaceState state in snapshot.Namespaces)
        {
            IReadOnlyList<SocketEvent> events = Apply(state.Namespace, state.Sockets, snapshot.Owners, snapshot.Timestamp, firstSight);
            if (events.Count > 0)
            {
                (all ??= []).AddRange(events);
            }
        }
        return all ?? (IReadOnlyList<SocketEvent>)s_none;
    }

    /// <summary>Applies one namespace's collection.</summary>
    public IReadOnlyList<SocketEvent> Apply(NamespaceState state, SocketOwners owners, DateTimeOffset at, FirstSight firstSight = FirstSight.Snapshot)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Apply(state.Namespace, state.Sockets, owners, at, firstSight);
    }

    /// <summary>
    /// Applies the complete socket list of one namespace collected at <paramref name="at"/>, and returns what changed
    /// since its previous collection. <paramref name="owners"/> may hold only the new sockets' owners.
    /// <paramref name="firstSight"/> matters only for the namespace's first collection. With
    /// <paramref name="tcpConnectionsOmitted"/> the list is complete except for TCP sockets outside LISTEN (the kernel
    /// tracer reports those): tracked ones it lacks are neither closed nor marked missing.
    /// </summary>
    public IReadOnlyList<SocketEvent> Apply(
        NetworkNamespace @namespace, IReadOnlyList<SocketRecord> sockets, SocketOwners owners, DateTimeOffset at,
        FirstSight firstSight = FirstSight.Snapshot, bool tcpConnectionsOmitted = false)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(sockets);
        ArgumentNullException.ThrowIfNull(owners);

        _destroyed.ForgetBefore(at - _options.DestroyedRetention);

        NamespaceSockets table = Table(@namespace);
        table.Namespace = @namespace;
        // A table the tracer made before the namespace's first snapshot is not a snapshot yet.
        bool first = table.Generation == 0;
        int generation = ++table.Generation;
        SocketEventAction? newAction = !first ? SocketEventAction.Opened : firstSight switch
        {
            FirstSight.Snapshot => SocketEventAction.Snapshot,
            FirstSight.AsNew => SocketEventAction.Opened,
            _ => null,
        };

        List<SocketEvent>? events = null;
        for (int i = 0; i < sockets.Count; i++)
        {
            SocketRecord record = sockets[i];
            TrackedSocket? tracked;
            if (record.Cookie is ulong cookie)
            {
                if (table.ByCookie.TryGetValue(cookie, out tracked))
                {
                    Update(table, tracked, record, owners, at, generation, ref events);
                    continue;
                }
                if (SocketRemnant.IsRemnant(record) || _destroyed.Contains(cookie) || _awaitingDestroy.Contains(cookie))
                {
                    // Bookkeeping of a connection, or a dump that raced with the destroy: nothing opened.
                    continue;
                }
                tracked = new TrackedSocket(record, owners.Lookup(record.Inode), at, generation);
                table.ByCookie.Add(cookie, tracked);
            }
            else
            {
                if (record.Inode == 0 || SocketRemnant.IsRemnant(record))
                {
                    // Without a cookie nothing ties an inode-0 entry to the socket it was.
                    continue;
                }
                SocketFallbackKey key = SocketFallbackKey.Of(record);
                if (table.ByFallback.TryGetValue(key, out tracked))
                {
                    Update(table, tracked, record, owners, at, generation, ref events);
                    continue;
                }
                tracked = new TrackedSocket(record, owners.Lookup(record.Inode), at, generation);
                table.ByFallback.Add(key, tracked);
            }

            if (newAction is SocketEventAction action)
            {
                (events ??= []).Add(new SocketEvent
                {
                    Action = action,
                    Socket = record,
                    Timestamp = at,
                    Owners = tracked.Owners,
                    FirstSeen = at,
                    Namespace = table.Namespace,
                });
            }
        }

        SweepCookies(table, generation, at, tcpConnectionsOmitted, ref events);
        SweepFallback(table, generation, at, ref events);
        return events ?? (IReadOnlyList<SocketEvent>)s_none;
    }

    /// <summary>
    /// A sock_diag destroy notification (its record: cookie, final state and tcp_info, inode and uid 0) received at
    /// <paramref name="at"/>. Returns the <c>closed</c> event, or null when the socket's end was already reported.
    /// </summary>
    public SocketEvent? OnDestroyed(SocketRecord destroyed, DateTimeOffset at, NetworkNamespace? @namespace = null)
    {
        ArgumentNullException.ThrowIfNull(destroyed);
        if (destroyed.Cookie is not ulong cookie || _destroyed.Contains(cookie))
        {
            return null;
        }
        _destroyed.Add(cookie, at);
        if (_awaitingDestroy.Remove(cookie))
        {
            return null;
        }

        foreach (NamespaceSockets table in _namespaces.Values)
        {
            if (table.ByCookie.TryGetValue(cookie, out TrackedSocket? traced) && traced.Traced)
            {
                // The tracer reports its close (with bytes and owner); a lost one is left to the sweep.
                _destroyed.Remove(cookie);
                return null;
            }
            if (table.ByCookie.Remove(cookie, out TrackedSocket? tracked))
            {
                return Closed(tracked, SocketRecordMerge.WithDestroy(tracked, destroyed), at, table.Namespace);
            }
        }

        // Opened and destroyed between two collections: no sighting, and uid 0 says nobody.
        return new SocketEvent
        {
            Action = SocketEventAction.Closed,
            Socket = destroyed,
            Timestamp = at,
            SeenOpen = false,
            Namespace = @namespace,
        };
    }

    /// <summary>
    /// A transition the kernel tracer saw (<see cref="SocketEvent.Traced"/>, with a cookie and a namespace). Returns
    /// the event to emit — completed with what the differ knows (first sighting, last owners) — or null when the
    /// socket's open or end was already reported. From then on, snapshots only refresh the socket (see
    /// <see cref="TrackedSocket.Traced"/>).
    /// </summary>
    public SocketEvent? OnTraced(SocketEvent traced)
    {
        ArgumentNullException.ThrowIfNull(traced);
        if (traced.Socket.Cookie is not ulong cookie || traced.Namespace is not NetworkNamespace ns)
        {
            throw new ArgumentException("a traced event has a cookie and a namespace", nameof(traced));
        }
        if (_destroyed.Contains(cookie) || _awaitingDestroy.Contains(cookie))
        {
            return null;
        }
        NamespaceSockets table = Table(ns);
        table.ByCookie.TryGetValue(cookie, out TrackedSocket? tracked);
        IReadOnlyList<ProcessInfo> owners = traced.Owners.Count > 0 ? traced.Owners : tracked?.Owners ?? [];
        DateTimeOffset firstSeen = tracked?.FirstSeen ?? traced.FirstSeen ?? traced.Timestamp;
        switch (traced.Action)
        {
            case SocketEventAction.Opened when tracked is not null:
                // A snapshot showed it first (it opened between the snapshot's read and the tracer's drain).
                tracked.Traced = true;
                tracked.Record = traced.Socket;
                return null;
            case SocketEventAction.Opened:
            case SocketEventAction.StateChanged:
                if (tracked is null)
                {
                    tracked = new TrackedSocket(traced.Socket, owners, firstSeen, table.Generation);
                    table.ByCookie.Add(cookie, tracked);
                }
                tracked.Traced = true;
                tracked.Record = traced.Socket;
                tracked.Owners = owners;
                tracked.MissingSince = null;
                break;
            case SocketEventAction.Closed:
                table.ByCookie.Remove(cookie);
                _destroyed.Add(cookie, traced.Timestamp);
                break;
            default:
                return null;
        }
        return new SocketEvent
        {
            Action = traced.Action,
            Socket = traced.Socket,
            Timestamp = traced.Timestamp,
            PreviousState = traced.PreviousState,
            Owners = owners,
            FirstSeen = firstSeen,
            Duration = traced.Action == SocketEventAction.Closed && traced.Timestamp >= firstSeen ? traced.Timestamp - firstSeen : null,
            Namespace = table.Namespace,
            Traffic = traced.Traffic,
            Failure = traced.Failure,
            Traced = true,
        };
    }

    private NamespaceSockets Table(NetworkNamespace @namespace)
    {
        if (!_namespaces.TryGetValue(@namespace.Inode, out NamespaceSockets? table))
        {
            table = new NamespaceSockets(@namespace);
            _namespaces.Add(@namespace.Inode, table);
        }
        return table;
    }

    /// <summary>Closes every socket of a namespace that no longer exists (or is no longer collected) and forgets it.</summary>
    public IReadOnlyList<SocketEvent> RemoveNamespace(NetworkNamespace @namespace, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        if (!_namespaces.Remove(@namespace.Inode, out NamespaceSockets? table))
        {
            return s_none;
        }
        List<SocketEvent> events = new(table.Count);
        foreach (TrackedSocket tracked in table.ByCookie.Values)
        {
            events.Add(Closed(tracked, SocketRecordMerge.ForClose(tracked), at, table.Namespace));
        }
        foreach (TrackedSocket tracked in table.ByFallback.Values)
        {
            events.Add(Closed(tracked, SocketRecordMerge.ForClose(tracked), at, table.Namespace));
        }
        return events;
    }

    private static void Update(
        NamespaceSockets table, TrackedSocket tracked, SocketRecord record, SocketOwners owners, DateTimeOffset at, int generation, ref List<SocketEvent>? events)
    {
        if (SocketRemnant.IsRemnant(record))
        {
            // Only its TIME_WAIT entry is left: not stamped, so the sweep ends it.
            tracked.RemnantState = record.State;
            return;
        }

        tracked.Generation = generation;
        tracked.MissingSince = null;
        tracked.RemnantState = null;
        SocketRecord previous = tracked.Record;
        tracked.Record = record;
        if (record.Inode != 0)
        {
            tracked.Inode = record.Inode;
            IReadOnlyList<ProcessInfo> current = owners.Lookup(record.Inode);
            if (current.Count > 0 && !(tracked.Traced && tracked.Owners.Count > 0))
            {
                tracked.Owners = current;
            }
        }
        if (record.Uid != 0)
        {
            tracked.Uid = record.Uid;
        }

        if (tracked.Traced)
        {
            // The snapshot was read before the tracer's last transitions: its state may be behind them.
            return;
        }
        if (record.Transport == Transport.Tcp && record.State != previous.State)
        {
            (events ??= []).Add(new SocketEvent
            {
                Action = SocketEventAction.StateChanged,
                Socket = record,
                PreviousState = previous.State,
                Timestamp = at,
                Owners = tracked.Owners,
                FirstSeen = tracked.FirstSeen,
                Namespace = table.Namespace,
            });
        }
    }

    private void SweepCookies(NamespaceSockets table, int generation, DateTimeOffset at, bool tcpConnectionsOmitted, ref List<SocketEvent>? events)
    {
        foreach (KeyValuePair<ulong, TrackedSocket> pair in table.ByCookie)
        {
            TrackedSocket tracked = pair.Value;
            if (tracked.Generation == generation
                || (tcpConnectionsOmitted && tracked.Record.Transport == Transport.Tcp && tracked.Record.State != KernelSocketState.Listen))
            {
                continue;
            }
            bool destroyReported = _options.DestroyEventsExpected && HasDestroyEvents(tracked.Record);
            if (destroyReported && tracked.MissingSince is null)
            {
                // Its destroy (exact time, final tcp_info) is probably queued: give it until the next collection.
                tracked.MissingSince = at;
                continue;
            }
            table.ByCookie.Remove(pair.Key);
            if (destroyReported)
            {
                _awaitingDestroy.Add(pair.Key, at);
            }
            else
            {
                // No destroy is expected, but one that comes anyway (a listener started late) must not close it again.
                _destroyed.Add(pair.Key, at);
            }
            (events ??= []).Add(Closed(tracked, SocketRecordMerge.ForClose(tracked), tracked.MissingSince ?? at, table.Namespace));
        }
    }

    private static void SweepFallback(NamespaceSockets table, int generation, DateTimeOffset at, ref List<SocketEvent>? events)
    {
        foreach (KeyValuePair<SocketFallbackKey, TrackedSocket> pair in table.ByFallback)
        {
            if (pair.Value.Generation != generation)
            {
                table.ByFallback.Remove(pair.Key);
                (events ??= []).Add(Closed(pair.Value, SocketRecordMerge.ForClose(pair.Value), at, table.Namespace));
            }
        }
    }

    /// <summary>sock_diag multicasts the destroy of TCP and UDP sockets of both IP families, nothing else.</summary>
    private static bool HasDestroyEvents(SocketRecord record) =>
        record.Transport is Transport.Tcp or Transport.Udp && record.Cookie is not null;

    private static SocketEvent Closed(TrackedSocket tracked, SocketRecord final, DateTimeOffset at, NetworkNamespace @namespace) => new()
    {
        Action = SocketEventAction.Closed,
        Socket = final,
        Timestamp = at,
        Owners = tracked.Owners,
        FirstSeen = tracked.FirstSeen,
        Duration = at >= tracked.FirstSeen ? at - tracked.FirstSeen : TimeSpan.Zero,
        Namespace = @namespace,
    };
}
