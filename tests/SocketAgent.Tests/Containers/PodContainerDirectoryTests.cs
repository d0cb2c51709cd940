using System.Net;
using SocketAgent.Collection.Containers;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Containers;

/// <summary>
/// <see cref="PodContainerDirectory"/> against <see cref="LoopbackKubelet"/> (real HTTPS, a CA-signed certificate, a
/// bearer token) serving the kubelet-shaped fixture: when the list is fetched, what an outage and a wrong CA log.
/// </summary>
public sealed class PodContainerDirectoryTests : IDisposable
{
    private const string Nginx = "7e3a1f0c2b9d48e6a5c4b3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2";
    private const string Envoy = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private const string Unknown = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("socket-agent-pods-");
    private readonly TestCertificates _certificates = TestCertificates.Create();
    private readonly LoopbackKubelet _kubelet;
    private readonly List<string> _log = [];
    private readonly ManualTime _time = new();

    public PodContainerDirectoryTests()
    {
        _kubelet = new LoopbackKubelet(_certificates.Server,
            File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "kubernetes", "kubelet-pods.json")), "token-1");
        File.WriteAllText(TokenFile, "token-1\n");
        _certificates.WriteCa(CaFile);
    }

    private string TokenFile => Path.Combine(_dir.FullName, "token");
    private string CaFile => Path.Combine(_dir.FullName, "ca.crt");

    private PodContainerDirectory Open(bool insecure = false, string? caFile = null) =>
        new(PodListSource.Kubelet(_kubelet.BaseUri, TokenFile, caFile ?? CaFile, insecure), _log.Add, _time);

    [Fact]
    public void Names_come_from_one_fetch_and_known_ids_make_no_call()
    {
        using PodContainerDirectory directory = Open();

        ContainerDetails? nginx = directory.Find(Nginx);
        Assert.Equal("nginx", nginx?.Name);
        Assert.Equal("web-7d4b9c8f6d-x2x9k", nginx?.Pod?.Name);
        Assert.Equal("envoy", directory.Find(Envoy)?.Name);
        Assert.Equal("nginx", directory.Find(Nginx)?.Name);
        Assert.Equal(1, _kubelet.Requests);
        Assert.Equal("Bearer token-1", Assert.Single(_kubelet.Authorizations));
        Assert.Empty(_log);
        Assert.True(directory.IsAnswering);
    }

    [Fact]
    public void An_unknown_id_fetches_at_most_once_per_interval_and_stops_after_a_few_fetches()
    {
        using PodContainerDirectory directory = Open();

        Assert.Null(directory.Find(Unknown));
        Assert.True(directory.MayNameLater(Unknown)); // fetches left: the kubelet may list it on the next one
        Assert.Null(directory.Find(Unknown));
        Assert.Equal(1, directory.Fetches); // rate-limited: the next fetch is 5 s away
        for (int i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            Assert.Null(directory.Find(Unknown));
        }
        Assert.Equal(directory.MaxRefreshesPerId, directory.Fetches); // then it is not a pod's: no more calls
        Assert.Equal(directory.MaxRefreshesPerId, _kubelet.Requests);
        Assert.False(directory.MayNameLater(Unknown)); // and encoders keep it without names
        // A known id still answers from the last list, without a call.
        Assert.Equal("nginx", directory.Find(Nginx)?.Name);
        Assert.Equal(directory.MaxRefreshesPerId, _kubelet.Requests);
    }

    [Fact]
    public void Unknown_ids_seen_together_share_their_fetches()
    {
        using PodContainerDirectory directory = Open();
        // A node's sandboxes (not in any container status), all seen in the first cycles.
        string[] sandboxes = [.. Enumerable.Range(0, 20).Select(static i => i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture))];

        for (int cycle = 0; cycle < 10; cycle++)
        {
            foreach (string sandbox in sandboxes)
            {
                Assert.Null(directory.Find(sandbox));
            }
            _time.Advance(TimeSpan.FromSeconds(5));
        }
        // Every fetch counts a miss for each waiting id: 20 ids cost what one costs, plus the one the first ran ahead.
        Assert.Equal(directory.MaxRefreshesPerId + 1, directory.Fetches);
    }

    [Fact]
    public void A_pod_is_found_by_its_uid_in_the_same_list()
    {
        using PodContainerDirectory directory = Open();

        Assert.Equal("nginx", directory.Find(Nginx)?.Name);
        PodDetails? pod = directory.FindPod("3f1c9a52-8e47-4b1d-9c2a-6d0e5b7f4a18");
        Assert.Equal(("web-7d4b9c8f6d-x2x9k", "shop"), (pod?.Name, pod?.Namespace));
        Assert.Equal(1, _kubelet.Requests);
        // An unknown uid fetches on the same terms as an unknown container id.
        Assert.Null(directory.FindPod("00000000-0000-0000-0000-000000000000"));
        Assert.Equal(1, _kubelet.Requests);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(directory.FindPod("00000000-0000-0000-0000-000000000000"));
        Assert.Equal(2, _kubelet.Requests);
    }

    [Fact]
    public void A_container_started_after_the_last_fetch_is_named_by_the_next_one()
    {
        using PodContainerDirectory directory = Open();
        byte[] full = _kubelet.PodList;
        _kubelet.PodList = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}"u8.ToArray();

        Assert.Null(directory.Find(Nginx));
        _kubelet.PodList = full;
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("nginx", directory.Find(Nginx)?.Name);
        Assert.Equal(2, _kubelet.Requests);
    }

    [Fact]
    public void The_token_is_read_again_for_each_fetch()
    {
        using PodContainerDirectory directory = Open();
        Assert.NotNull(directory.Find(Nginx));

        File.WriteAllText(TokenFile, "token-2\n");
        _kubelet.Token = "token-2";
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(directory.Find(Unknown)); // unknown: a fetch, which must carry the new token
        Assert.Equal(["Bearer token-1", "Bearer token-2"], _kubelet.Authorizations);
    }

    [Fact]
    public void An_outage_logs_one_warning_keeps_known_names_and_the_recovery_once()
    {
        using PodContainerDirectory directory = Open();
        Assert.NotNull(directory.Find(Nginx));
        _kubelet.Stop();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(directory.Find(Unknown));
        Assert.False(directory.IsAnswering);
        Assert.Equal("nginx", directory.Find(Nginx)?.Name); // known before: still named
        string warning = Assert.Single(_log);
        Assert.StartsWith($"pod names: the kubelet at {_kubelet.BaseUri.GetLeftPart(UriPartial.Authority)} does not answer (", warning);
        Assert.Contains("Connection refused", warning);
        Assert.EndsWith("container ids are still reported, without pod names; trying again every 10 s", warning);

        int fetches = directory.Fetches;
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(directory.Find(Unknown));
        Assert.Equal(fetches, directory.Fetches); // not before RetryAfter
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Null(directory.Find(Unknown));
        Assert.Equal(fetches + 1, directory.Fetches);
        Assert.Single(_log); // still down: no second warning

        _kubelet.Start();
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(directory.Find(Unknown)); // a fetch, which succeeds
        Assert.Equal(fetches + 2, directory.Fetches);
        Assert.True(directory.IsAnswering);
        Assert.Equal(2, _log.Count);
        Assert.Equal($"pod names: the kubelet at {_kubelet.BaseUri.GetLeftPart(UriPartial.Authority)} answers again", _log[1]);
    }

    [Fact]
    public void A_certificate_from_another_ca_is_refused_with_a_clear_warning_unless_verification_is_off()
    {
        using var other = TestCertificates.Create("some-other-ca");
        string otherCa = Path.Combine(_dir.FullName, "other-ca.crt");
        other.WriteCa(otherCa);

        using (PodContainerDirectory directory = Open(caFile: otherCa))
        {
            Assert.Null(directory.Find(Nginx));
            string warning = Assert.Single(_log);
            Assert.Contains($"TLS: the server's certificate (CN=system:node:worker-2.cluster.example, issued by CN=socket-agent-test-ca) does not chain to the CA in {otherCa} (", warning);
            Assert.Equal(0, _kubelet.Requests); // the token was never sent
        }
        _log.Clear();
        using (PodContainerDirectory insecure = Open(insecure: true, caFile: otherCa))
        {
            Assert.Equal("nginx", insecure.Find(Nginx)?.Name);
            Assert.Empty(_log);
        }
    }

    [Fact]
    public void A_missing_ca_file_and_a_refused_role_say_what_to_fix()
    {
        using (PodContainerDirectory directory = Open(caFile: Path.Combine(_dir.FullName, "absent.crt")))
        {
            Assert.Null(directory.Find(Nginx));
            Assert.Contains($"TLS: the CA file {Path.Combine(_dir.FullName, "absent.crt")} cannot be read", Assert.Single(_log));
        }
        _log.Clear();
        _kubelet.Refuse = HttpStatusCode.Forbidden;
        using (PodContainerDirectory directory = Open())
        {
            Assert.Null(directory.Find(Nginx));
            Assert.Contains("403 Forbidden: the service account needs get on nodes/proxy", Assert.Single(_log));
        }
    }

    public void Dispose()
    {
        _kubelet.Dispose();
        _certificates.Dispose();
        _dir.Delete(recursive: true);
    }

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _timestamp = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _timestamp);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _timestamp, by.Ticks);
    }
}
