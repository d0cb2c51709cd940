using System.Collections.Concurrent;

namespace SocketAgent.Collection.Containers;

/// <summary>
/// Container names from Docker Engine, cached by id: the engine is asked once per id the agent has not seen (a
/// cycle with no new container makes no call). When the engine cannot be reached the ids still go out without
/// names, one warning says so, and the engine is tried again after <see cref="RetryAfter"/>; when it answers again
/// that is logged once and the names come back (<see cref="IsAnswering"/> tells encoders that a null meant "not now").
/// </summary>
public sealed class DockerContainerDirectory : IContainerDirectory, IDisposable
{
    /// <summary>Past this many ids the cache starts again.</summary>
    private const int MaxEntries = 8192;

    private readonly DockerEngineClient _client;
    private readonly Action<string> _log;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ContainerDetails?> _known = new(StringComparer.Ordinal);
    private readonly Lock _calling = new();
    private long _retryAt = long.MinValue;
    private bool _unreachable;
    // The socket was there once: from then on its absence is an engine that stopped, worth a warning.
    private bool _seen;

    /// <param name="socketPath">Docker Engine's API socket (<c>/var/run/docker.sock</c>).</param>
    /// <param name="log">Where the one warning (and the recovery) goes.</param>
    public DockerContainerDirectory(string socketPath, Action<string> log, TimeProvider? time = null)
    {
        _client = new DockerEngineClient(socketPath);
        _log = log;
        _time = time ?? TimeProvider.System;
        // An engine there when the agent starts and gone later has stopped: that is worth the warning.
        _seen = File.Exists(socketPath);
    }

    /// <summary>
    /// The directory for <paramref name="socketPath"/>, or null when it is empty (switched off). A socket that has
    /// never existed (Docker Engine is not installed here: a containerd node) is not asked and not warned about; one
    /// that existed and stops answering is.
    /// </summary>
    public static DockerContainerDirectory? Open(string socketPath, Action<string> log) =>
        socketPath.Length > 0 ? new DockerContainerDirectory(socketPath, log) : null;

    /// <summary>How long after a failed call the engine is asked again. Default 10 s.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    public bool IsAnswering => !Volatile.Read(ref _unreachable);

    public ContainerDetails? Find(string containerId)
    {
        ArgumentNullException.ThrowIfNull(containerId);
        if (_known.TryGetValue(containerId, out ContainerDetails? details))
        {
            return details;
        }
        lock (_calling)
        {
            if (_known.TryGetValue(containerId, out details))
            {
                return details;
            }
            long now = _time.GetTimestamp();
            if (_unreachable && now < _retryAt)
            {
                return null;
            }
            if (!_seen && !File.Exists(_client.SocketPath))
            {
                // No Docker Engine on this host (containerd, cri-o): nothing to ask, nothing to warn about.
                return null;
            }
            _seen = true;
            try
            {
                details = _client.Inspect(containerId);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or System.Text.Json.JsonException)
            {
                if (!_unreachable)
                {
                    _log($"container names: Docker Engine at {_client.SocketPath} does not answer ({ex.Message}); container ids are still reported, without names; trying again every {RetryAfter.TotalSeconds:0} s");
                }
                _unreachable = true;
                _retryAt = now + (long)(RetryAfter.TotalSeconds * _time.TimestampFrequency);
                return null;
            }
            if (_unreachable)
            {
                _unreachable = false;
                _log($"container names: Docker Engine at {_client.SocketPath} answers again");
            }
            if (_known.Count >= MaxEntries)
            {
                _known.Clear();
            }
            _known[containerId] = details;
            return details;
        }
    }

    public void Dispose() => _client.Dispose();
}
