namespace SocketAgent.Collection.Containers;

/// <summary>
/// Names the containers of the node's Kubernetes pods (containerd, cri-o: runtimes without Docker's socket) from the
/// pod list of the kubelet or the API server (<see cref="PodListSource"/>), with their pod. The list is fetched only
/// when a container id it does not hold is asked for, and at most once every <see cref="MinRefreshInterval"/>: a
/// cycle with no new container makes no call. An id the list still does not hold after
/// <see cref="MaxRefreshesPerId"/> fetches is not a pod's (a container started beside the kubelet) and fetches no more.
/// </summary>
/// <remarks>
/// When the source cannot be reached the ids still go out without names, one warning says so, and it is tried again
/// after <see cref="RetryAfter"/>; when it answers again that is logged once and the names come back
/// (<see cref="IsAnswering"/> tells encoders that a null meant "not now"). Names already known stay while it is down.
/// </remarks>
public sealed class PodContainerDirectory : IContainerDirectory, IDisposable
{
    /// <summary>Past this many unmatched ids the record of them starts again.</summary>
    private const int MaxUnmatched = 8192;

    /// <summary>How a pod uid is told from a container id among the unmatched.</summary>
    private const string PodKeyPrefix = "pod/";

    private readonly PodListClient _client;
    private readonly Action<string> _log;
    private readonly TimeProvider _time;
    private readonly Lock _calling = new();
    // Replaced whole by each fetch; read without the lock.
    private PodList _list = PodList.Empty;
    // Ids asked for that the list did not hold, with the number of fetches that missed them.
    private readonly Dictionary<string, int> _unmatched = new(StringComparer.Ordinal);
    private long _nextFetchAt = long.MinValue;
    private long _retryAt = long.MinValue;
    private bool _unreachable;

    /// <param name="source">Where the pod list is read.</param>
    /// <param name="log">Where the one warning (and the recovery) goes.</param>
    public PodContainerDirectory(PodListSource source, Action<string> log, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(log);
        _client = new PodListClient(source);
        _log = log;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The shortest time between two fetches of the list. Default 5 s.</summary>
    public TimeSpan MinRefreshInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long after a failed fetch the source is asked again. Default 10 s.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Fetches an unknown id may cause. More than one: the kubelet lists a container's id a moment after the runtime
    /// started it, so a process can be seen before its pod says it is there.
    /// </summary>
    public int MaxRefreshesPerId { get; init; } = 3;

    /// <summary>Fetches of the pod list so far (tests: a cycle with no new id makes none).</summary>
    public int Fetches { get; private set; }

    public bool IsAnswering => !Volatile.Read(ref _unreachable);

    public ContainerDetails? Find(string containerId)
    {
        ArgumentNullException.ThrowIfNull(containerId);
        return Lookup(containerId, containerId, static (list, id) => list.Containers.GetValueOrDefault(id));
    }

    /// <summary>The pod of <paramref name="podUid"/>, fetched on the same terms as an unknown container id.</summary>
    public PodDetails? FindPod(string podUid)
    {
        ArgumentNullException.ThrowIfNull(podUid);
        return Lookup(PodKeyPrefix + podUid, podUid, static (list, uid) => list.Pods.GetValueOrDefault(uid));
    }

    /// <summary>
    /// While the source is down, and while an id asked for has fetches left: the kubelet may list it on the next one
    /// (a container it had not reported yet when the process was first seen).
    /// </summary>
    public bool MayNameLater(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!IsAnswering)
        {
            return true;
        }
        lock (_calling)
        {
            return HasFetchesLeft(id) || HasFetchesLeft(PodKeyPrefix + id);
        }

        bool HasFetchesLeft(string key) => _unmatched.TryGetValue(key, out int misses) && misses < MaxRefreshesPerId;
    }

    /// <param name="key">What <see cref="_unmatched"/> counts the misses of (a container id, or <see cref="PodKeyPrefix"/> + uid).</param>
    private T? Lookup<T>(string key, string id, Func<PodList, string, T?> get) where T : class
    {
        if (get(Volatile.Read(ref _list), id) is T known)
        {
            return known;
        }
        lock (_calling)
        {
            if (get(_list, id) is T found)
            {
                return found;
            }
            if (_unmatched.GetValueOrDefault(key) >= MaxRefreshesPerId)
            {
                return null;
            }
            if (!_unmatched.ContainsKey(key))
            {
                if (_unmatched.Count >= MaxUnmatched)
                {
                    _unmatched.Clear();
                }
                // Waiting for the next fetch, which counts a miss for every id waiting, not only the one that
                // triggers it: a node's sandboxes all seen in one cycle share their fetches.
                _unmatched[key] = 0;
            }
            long now = _time.GetTimestamp();
            if (now < _nextFetchAt || (_unreachable && now < _retryAt))
            {
                return null;
            }
            if (Fetch(now))
            {
                CountMisses();
            }
            return get(_list, id);
        }
    }

    /// <summary>After a fetch: ids the list now holds are no longer unmatched; the others have one more miss.</summary>
    private void CountMisses()
    {
        foreach (string key in _unmatched.Keys.ToArray())
        {
            bool listed = key.StartsWith(PodKeyPrefix, StringComparison.Ordinal)
                ? _list.Pods.ContainsKey(key[PodKeyPrefix.Length..])
                : _list.Containers.ContainsKey(key);
            if (listed)
            {
                _unmatched.Remove(key);
            }
            else
            {
                _unmatched[key]++;
            }
        }
    }

    /// <summary>Fetches the list; false when the source did not answer.</summary>
    private bool Fetch(long now)
    {
        Fetches++;
        try
        {
            Volatile.Write(ref _list, PodList.Of(_client.GetPods()));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or UnauthorizedAccessException
                                       or System.Text.Json.JsonException)
        {
            if (!_unreachable)
            {
                _log($"pod names: {_client.Source.Description} does not answer ({Reason(ex)}); container ids are still reported, without pod names; trying again every {RetryAfter.TotalSeconds:0} s");
            }
            Volatile.Write(ref _unreachable, true);
            _retryAt = now + Ticks(RetryAfter);
            return false;
        }
        if (_unreachable)
        {
            Volatile.Write(ref _unreachable, false);
            _log($"pod names: {_client.Source.Description} answers again");
        }
        _nextFetchAt = now + Ticks(MinRefreshInterval);
        return true;
    }

    private static string Reason(Exception ex) => ex switch
    {
        TaskCanceledException => "no answer in time",
        // "The SSL connection could not be established, see inner exception.": the inner one says why.
        HttpRequestException { InnerException: { } inner } when ex.Message.EndsWith("inner exception.", StringComparison.Ordinal) => inner.Message,
        _ => ex.Message,
    };

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    public void Dispose() => _client.Dispose();

    /// <summary>One fetched list: its containers by id, and their pods by uid.</summary>
    private sealed record PodList(Dictionary<string, ContainerDetails> Containers, Dictionary<string, PodDetails> Pods)
    {
        public static readonly PodList Empty = new(new Dictionary<string, ContainerDetails>(), new Dictionary<string, PodDetails>());

        public static PodList Of(Dictionary<string, ContainerDetails> containers)
        {
            var pods = new Dictionary<string, PodDetails>(StringComparer.Ordinal);
            foreach (ContainerDetails details in containers.Values)
            {
                if (details.Pod is { Uid: string uid } pod)
                {
                    pods[uid] = pod;
                }
            }
            return new PodList(containers, pods);
        }
    }
}
