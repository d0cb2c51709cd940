using System.Collections.Concurrent;
using System.Net;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Netstat;

/// <summary>
/// Names for non-numeric netstat output without netstat's slowness: netstat resolves each address in turn as it prints
/// it, so one dead DNS server costs seconds per row. Here every distinct address is looked up up front, several at a
/// time, each lookup is given <see cref="LookupTimeout"/> and the whole batch <see cref="BatchTimeout"/>; whatever is
/// not answered by then prints as a number (what netstat prints after a failed lookup). Answers — names and "no
/// name" alike — are cached for the resolver's life, and a lookup that answers late fills the cache for the next
/// snapshot (<c>netstat -c</c> style repeated output).
/// </summary>
internal sealed class SystemNameResolver : INameResolver
{
    public static readonly TimeSpan DefaultLookupTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultBatchTimeout = TimeSpan.FromSeconds(3);
    public const int DefaultMaxParallelLookups = 16;

    private readonly IHostNameLookup _hosts;
    private readonly ServiceNameTable _services;
    private readonly Func<uint, string?>? _userNames;
    private readonly ConcurrentDictionary<IPAddress, Task<string?>> _hostCache = new();
    private readonly ConcurrentDictionary<uint, string?> _userCache = new();

    /// <param name="hosts">Reverse lookups; <see cref="DnsHostNameLookup.Instance"/> in production.</param>
    /// <param name="services">Port names; <see cref="ServiceNameTable.Load"/> in production.</param>
    /// <param name="userNames">uid → account name (the process collector's resolver); null prints uids.</param>
    public SystemNameResolver(
        IHostNameLookup hosts,
        ServiceNameTable services,
        Func<uint, string?>? userNames,
        TimeSpan? lookupTimeout = null,
        TimeSpan? batchTimeout = null,
        int maxParallelLookups = DefaultMaxParallelLookups)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParallelLookups, 1);
        _hosts = hosts;
        _services = services;
        _userNames = userNames;
        LookupTimeout = lookupTimeout ?? DefaultLookupTimeout;
        BatchTimeout = batchTimeout ?? DefaultBatchTimeout;
        MaxParallelLookups = maxParallelLookups;
    }

    /// <summary>The longest wait for one address.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan LookupTimeout { get; }

    /// <summary>The longest wait for one <see cref="PrepareHostsAsync"/> call, however many addresses it has.</summary>
    /// <value>The default value is 3 seconds.</value>
    public TimeSpan BatchTimeout { get; }

    /// <summary>How many lookups run at once.</summary>
    /// <value>The default value is 16.</value>
    public int MaxParallelLookups { get; }

    public async Task PrepareHostsAsync(IReadOnlyCollection<IPAddress> addresses, CancellationToken cancellationToken)
    {
        List<IPAddress> pending = [];
        var seen = new HashSet<IPAddress>();
        foreach (IPAddress address in addresses)
        {
            if (!_hostCache.ContainsKey(address) && seen.Add(address))
            {
                pending.Add(address);
            }
        }
        if (pending.Count == 0)
        {
            return;
        }

        using var batch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        batch.CancelAfter(BatchTimeout);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = MaxParallelLookups, CancellationToken = batch.Token };
        try
        {
            await Parallel.ForEachAsync(pending, parallel, async (address, token) =>
            {
                Task<string?> lookup = _hostCache.GetOrAdd(address, static (a, self) => self.LookupNoThrowAsync(a), this);
                try
                {
                    await lookup.WaitAsync(LookupTimeout, token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Printed as a number this time; the lookup keeps running and its answer serves later snapshots.
                }
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The batch ran out of time: the rest print as numbers, as after a failed lookup.
        }
    }

    public string? HostName(IPAddress address) =>
        _hostCache.TryGetValue(address, out Task<string?>? lookup) && lookup.IsCompletedSuccessfully ? lookup.Result : null;

    public string? ServiceName(int port, Transport transport) => _services.Lookup(port, transport);

    public string? UserName(uint uid) => _userNames is null ? null : _userCache.GetOrAdd(uid, _userNames);

    // Never faults: a cached faulted task would surface as an unobserved exception and carries no name anyway.
    private async Task<string?> LookupNoThrowAsync(IPAddress address)
    {
        try
        {
            return await _hosts.LookupAsync(address, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            return null;
        }
    }
}
