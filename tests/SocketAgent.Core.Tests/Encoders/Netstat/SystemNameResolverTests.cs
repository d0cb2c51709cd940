using System.Net;
using SocketAgent.Model;
using SocketAgent.Encoders.Netstat;

namespace SocketAgent.Tests.Encoders.Netstat;

public sealed class SystemNameResolverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SecondPrepare_IsServedFromTheCache()
    {
        var lookup = new FakeLookup((Func<IPAddress, string?>)(_ => "host"));
        var resolver = new SystemNameResolver(lookup, ServiceNameTable.Empty, null);
        IPAddress[] addresses = [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.1")];

        await resolver.PrepareHostsAsync(addresses, Ct);
        await resolver.PrepareHostsAsync(addresses, Ct);

        Assert.Equal(2, lookup.Calls);
        Assert.Equal("host", resolver.HostName(IPAddress.Parse("10.0.0.2")));
    }

    [Fact]
    public async Task FailedLookup_IsCachedAsNoName()
    {
        var lookup = new FakeLookup((Func<IPAddress, string?>)(_ => throw new InvalidOperationException("resolver broke")));
        var resolver = new SystemNameResolver(lookup, ServiceNameTable.Empty, null);

        await resolver.PrepareHostsAsync([IPAddress.Loopback], Ct);
        await resolver.PrepareHostsAsync([IPAddress.Loopback], Ct);

        Assert.Null(resolver.HostName(IPAddress.Loopback));
        Assert.Equal(1, lookup.Calls);
    }

    [Fact]
    public async Task SlowLookup_TimesOutToNumeric_AndItsLateAnswerServesTheNextSnapshot()
    {
        var release = new TaskCompletionSource();
        var lookup = new FakeLookup(async _ => { await release.Task; return "late.example"; });
        var resolver = new SystemNameResolver(lookup, ServiceNameTable.Empty, null, lookupTimeout: TimeSpan.FromMilliseconds(50));
        var address = IPAddress.Parse("192.0.2.7");

        await resolver.PrepareHostsAsync([address], Ct);
        string first = await RenderEstablishedAsync(resolver, address);

        release.SetResult();
        await resolver.PrepareHostsAsync([address], Ct); // cached: waits on the same lookup, which now answers
        string second = await RenderEstablishedAsync(resolver, address);

        Assert.Contains(" 192.0.2.7:443 ", first);
        Assert.Contains(" late.example:443 ", second);
        Assert.Equal(1, lookup.Calls);
    }

    [Fact]
    public async Task BatchTimeout_BoundsTheWholePrepare()
    {
        var never = new TaskCompletionSource<string?>();
        var lookup = new FakeLookup(_ => never.Task);
        var resolver = new SystemNameResolver(
            lookup, ServiceNameTable.Empty, null,
            lookupTimeout: TimeSpan.FromMinutes(5), batchTimeout: TimeSpan.FromMilliseconds(100), maxParallelLookups: 2);
        IPAddress[] addresses = Enumerable.Range(1, 10).Select(i => IPAddress.Parse($"192.0.2.{i}")).ToArray();

        await resolver.PrepareHostsAsync(addresses, Ct); // would hang for minutes without the batch limit

        Assert.All(addresses, a => Assert.Null(resolver.HostName(a)));
        Assert.Equal(2, lookup.Calls); // the two slots were stuck; nothing else started
    }

    [Fact]
    public async Task Lookups_RunConcurrently_UpToTheLimit()
    {
        int running = 0, peak = 0;
        var lookup = new FakeLookup(async _ =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            await Task.Delay(30);
            Interlocked.Decrement(ref running);
            return "n";
        });
        var resolver = new SystemNameResolver(lookup, ServiceNameTable.Empty, null, maxParallelLookups: 4);
        IPAddress[] addresses = Enumerable.Range(1, 24).Select(i => IPAddress.Parse($"198.51.100.{i}")).ToArray();

        await resolver.PrepareHostsAsync(addresses, Ct);

        Assert.Equal(24, lookup.Calls);
        Assert.InRange(peak, 2, 4);
        Assert.All(addresses, a => Assert.Equal("n", resolver.HostName(a)));
    }

    [Fact]
    public void Users_AreCached_AndServicesComeFromTheTable()
    {
        int calls = 0;
        var resolver = new SystemNameResolver(
            new FakeLookup((Func<IPAddress, string?>)(_ => null)), ServiceNameTable.Parse("http 80/tcp\n", null), uid => { calls++; return uid == 0 ? "root" : null; });

        Assert.Equal("root", resolver.UserName(0));
        Assert.Equal("root", resolver.UserName(0));
        Assert.Null(resolver.UserName(1000));
        Assert.Equal(2, calls);
        Assert.Equal("http", resolver.ServiceName(80, Transport.Tcp));
    }

    [Fact]
    public async Task DnsLookup_FindsLocalhostInEtcHosts_AndNothingForAnUnknownLoopbackAddress()
    {
        // Loopback only: /etc/hosts answers; 127.0.0.1 is in it on every Linux we run on.
        var resolver = new SystemNameResolver(DnsHostNameLookup.Instance, ServiceNameTable.Empty, null);
        await resolver.PrepareHostsAsync([IPAddress.Loopback], Ct);
        Assert.False(string.IsNullOrEmpty(resolver.HostName(IPAddress.Loopback)));
    }

    private static async Task<string> RenderEstablishedAsync(INameResolver resolver, IPAddress remote)
    {
        var snapshot = new SocketSnapshot
        {
            Timestamp = DateTimeOffset.UnixEpoch,
            Host = new HostIdentity("h", null),
            Sockets =
            [
                new SocketRecord
                {
                    Transport = Transport.Tcp,
                    Family = System.Net.Sockets.AddressFamily.InterNetwork,
                    State = KernelSocketState.Established,
                    LocalAddress = IPAddress.Any, // never looked up, so Calls counts only the remote
                    LocalPort = 50000,
                    RemoteAddress = remote,
                    RemotePort = 443,
                },
            ],
            Owners = SocketOwners.Empty,
            Source = "procfs",
        };
        var output = new StringWriter();
        await new NetstatTableWriter(new NetstatOptions { Transports = TransportSet.Tcp, NumericPorts = true }, resolver).WriteAsync(snapshot, output, Ct);
        return output.ToString();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class FakeLookup : IHostNameLookup
    {
        private readonly Func<IPAddress, Task<string?>> _answer;
        private int _calls;

        public FakeLookup(Func<IPAddress, string?> answer) => _answer = a => Task.FromResult(answer(a));

        public FakeLookup(Func<IPAddress, Task<string?>> answer) => _answer = answer;

        public int Calls => Volatile.Read(ref _calls);

        public Task<string?> LookupAsync(IPAddress address, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return _answer(address);
        }
    }
}
