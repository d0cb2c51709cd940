using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;

namespace SocketAgent.Tests.Delivery.Kafka;

/// <summary>
/// librdkafka's in-process mock cluster (3 brokers by default, ids 1..n, on 127.0.0.1 ephemeral ports), driven through
/// its C API in the very librdkafka Confluent.Kafka loaded — here <c>centos8-librdkafka.so</c>, since the default build
/// needs libsasl2 — found in <c>/proc/self/maps</c> and bound by function pointers. Dispose destroys the cluster.
/// Tests do not use it directly but through <c>MockKafkaCluster</c>, which runs it in a child process
/// (SocketAgent.MockKafkaHost): librdkafka aborts its whole process when a broker cannot listen again after
/// <see cref="SetAllBrokersUp"/>, and that process must not be the test run.
/// </summary>
internal sealed unsafe class InProcessMockKafkaCluster : IDisposable
{
    /// <summary>Kafka's ApiKey of Produce requests.</summary>
    public const short ProduceApiKey = 0;

    // The share-group (KIP-932) ApiKeys (rdkafka_protocol.h: RD_KAFKAP_ShareGroupHeartbeat, RD_KAFKAP_ShareFetch,
    // RD_KAFKAP_ShareAcknowledge).
    private const short ShareGroupHeartbeatApiKey = 76;
    private const short ShareFetchApiKey = 78;
    private const short ShareAcknowledgeApiKey = 79;

    private static readonly Lazy<Native> s_native = new(Native.Bind);
    private readonly Native _native;
    private nint _rk;
    private nint _cluster;

    public InProcessMockKafkaCluster(int brokers = 3)
    {
        _native = s_native.Value;
        byte* errstr = stackalloc byte[512];
        _rk = _native.New(0 /* RD_KAFKA_PRODUCER */, _native.ConfNew(), errstr, 512);
        if (_rk == 0)
        {
            throw new InvalidOperationException($"rd_kafka_new failed: {Marshal.PtrToStringUTF8((nint)errstr)}");
        }

        _cluster = _native.ClusterNew(_rk, brokers);
        if (_cluster == 0)
        {
            _native.Destroy(_rk);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }

        BootstrapServers = Marshal.PtrToStringUTF8(_native.ClusterBootstraps(_cluster))!;
        BrokerIds = Enumerable.Range(1, brokers).ToArray();
    }

    public string BootstrapServers { get; }

    public IReadOnlyList<int> BrokerIds { get; }

    /// <summary>The path of the librdkafka the fixture drives (the one Confluent.Kafka loaded).</summary>
    public static string LibraryPath => s_native.Value.Path;

    public void CreateTopic(string topic, int partitions, int replicationFactor = 3)
    {
        byte[] name = Encoding.UTF8.GetBytes(topic + "\0");
        fixed (byte* p = name)
        {
            Check(_native.TopicCreate(_cluster, p, partitions, replicationFactor), "rd_kafka_mock_topic_create");
        }
    }

    public void SetAllBrokersDown()
    {
        foreach (int id in BrokerIds)
        {
            Check(_native.BrokerSetDown(_cluster, id), "rd_kafka_mock_broker_set_down");
        }
    }

    public void SetAllBrokersUp()
    {
        foreach (int id in BrokerIds)
        {
            Check(_native.BrokerSetUp(_cluster, id), "rd_kafka_mock_broker_set_up");
        }
    }

    public void SetRtt(int brokerId, int milliseconds) => Check(_native.BrokerSetRtt(_cluster, brokerId, milliseconds), "rd_kafka_mock_broker_set_rtt");

    /// <summary>The next requests of <paramref name="apiKey"/> (cluster-wide) fail with these error codes, one each, in order.</summary>
    public void PushRequestErrors(short apiKey, params int[] errors)
    {
        fixed (int* p = errors)
        {
            _native.PushRequestErrorsArray(_cluster, apiKey, (nuint)errors.Length, p);
        }
    }

    /// <summary>
    /// Makes share groups (KIP-932) read as a <c>read_committed</c> consumer does: up to the last stable offset, without
    /// the data of aborted transactions, from the earliest offset. The mock's classic Fetch cannot: it answers with the
    /// high watermark as last stable offset and no aborted transactions, so a read_committed consumer reads aborted
    /// records too; its ShareFetch handler is the one that filters (rdkafka_mock_handlers.c). Applies to the share
    /// groups that exist and to those created later.
    /// </summary>
    public void EnableReadCommittedShareGroups()
    {
        // Version 1 of the three share APIs, as librdkafka's own share-consumer mock tests (0158) enable them. The
        // 2.16.0 mock offers them by default; this pins what the share consumer needs rather than relying on that.
        // ShareAcknowledge too: with it switched off the acknowledgements fail and every record comes again.
        foreach (short apiKey in new[] { ShareGroupHeartbeatApiKey, ShareFetchApiKey, ShareAcknowledgeApiKey })
        {
            Check(_native.SetApiVersion(_cluster, apiKey, 1, 1), "rd_kafka_mock_set_apiversion");
        }

        // The mock's share groups start at the latest offset by default; a reader of what was written needs earliest.
        _native.ShareGroupSetAutoOffsetReset(_cluster, 1 /* earliest */);
        _native.ShareGroupSetIsolationLevel(_cluster, 1 /* read_committed */);
    }

    /// <summary>
    /// Makes librdkafka raise a fatal error on the client behind <paramref name="handle"/>, as a broker that lost the
    /// idempotent producer's state would (<c>rd_kafka_test_fatal_error</c>). Confluent.Kafka keeps the native handle
    /// internal, so the test reaches it by reflection (tests run JIT, not AOT).
    /// </summary>
    public static void TriggerFatalError(Handle handle, int error, string reason)
    {
        var safeHandle = (SafeHandle)typeof(Handle)
            .GetProperty("LibrdkafkaHandle", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!
            .GetValue(handle)!;
        byte[] text = Encoding.UTF8.GetBytes(reason + "\0");
        fixed (byte* p = text)
        {
            Check(s_native.Value.TestFatalError(safeHandle.DangerousGetHandle(), error, p), "rd_kafka_test_fatal_error");
        }
    }

    public void Dispose()
    {
        if (_cluster != 0)
        {
            _native.ClusterDestroy(_cluster);
            _cluster = 0;
        }

        if (_rk != 0)
        {
            _native.Destroy(_rk);
            _rk = 0;
        }
    }

    private static void Check(int err, string function)
    {
        if (err != 0)
        {
            throw new InvalidOperationException($"{function} failed: error {err}");
        }
    }

    private sealed class Native
    {
        public required string Path { get; init; }
        public required delegate* unmanaged<nint> ConfNew { get; init; }
        public required delegate* unmanaged<int, nint, byte*, nuint, nint> New { get; init; }
        public required delegate* unmanaged<nint, void> Destroy { get; init; }
        public required delegate* unmanaged<nint, int, nint> ClusterNew { get; init; }
        public required delegate* unmanaged<nint, nint> ClusterBootstraps { get; init; }
        public required delegate* unmanaged<nint, void> ClusterDestroy { get; init; }
        public required delegate* unmanaged<nint, byte*, int, int, int> TopicCreate { get; init; }
        public required delegate* unmanaged<nint, int, int> BrokerSetDown { get; init; }
        public required delegate* unmanaged<nint, int, int> BrokerSetUp { get; init; }
        public required delegate* unmanaged<nint, int, int, int> BrokerSetRtt { get; init; }
        public required delegate* unmanaged<nint, short, nuint, int*, void> PushRequestErrorsArray { get; init; }
        public required delegate* unmanaged<nint, int, byte*, int> TestFatalError { get; init; }
        public required delegate* unmanaged<nint, short, short, short, int> SetApiVersion { get; init; }
        public required delegate* unmanaged<nint, int, void> ShareGroupSetAutoOffsetReset { get; init; }
        public required delegate* unmanaged<nint, int, void> ShareGroupSetIsolationLevel { get; init; }

        public static Native Bind()
        {
            // Make Confluent.Kafka load its librdkafka, then bind to that very file: two copies of librdkafka in one
            // process would each have their own globals, and the other redist builds may not even load here.
            _ = Library.Version;
            string path = File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is int slash and >= 0 ? line[slash..] : "")
                .FirstOrDefault(p => System.IO.Path.GetFileName(p).Contains("librdkafka", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("librdkafka is not mapped in this process after Confluent.Kafka loaded it.");

            nint lib = NativeLibrary.Load(path);
            return new Native
            {
                Path = path,
                ConfNew = (delegate* unmanaged<nint>)NativeLibrary.GetExport(lib, "rd_kafka_conf_new"),
                New = (delegate* unmanaged<int, nint, byte*, nuint, nint>)NativeLibrary.GetExport(lib, "rd_kafka_new"),
                Destroy = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "rd_kafka_destroy"),
                ClusterNew = (delegate* unmanaged<nint, int, nint>)NativeLibrary.GetExport(lib, "rd_kafka_mock_cluster_new"),
                ClusterBootstraps = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(lib, "rd_kafka_mock_cluster_bootstraps"),
                ClusterDestroy = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "rd_kafka_mock_cluster_destroy"),
                TopicCreate = (delegate* unmanaged<nint, byte*, int, int, int>)NativeLibrary.GetExport(lib, "rd_kafka_mock_topic_create"),
                BrokerSetDown = (delegate* unmanaged<nint, int, int>)NativeLibrary.GetExport(lib, "rd_kafka_mock_broker_set_down"),
                BrokerSetUp = (delegate* unmanaged<nint, int, int>)NativeLibrary.GetExport(lib, "rd_kafka_mock_broker_set_up"),
                BrokerSetRtt = (delegate* unmanaged<nint, int, int, int>)NativeLibrary.GetExport(lib, "rd_kafka_mock_broker_set_rtt"),
                PushRequestErrorsArray = (delegate* unmanaged<nint, short, nuint, int*, void>)NativeLibrary.GetExport(lib, "rd_kafka_mock_push_request_errors_array"),
                TestFatalError = (delegate* unmanaged<nint, int, byte*, int>)NativeLibrary.GetExport(lib, "rd_kafka_test_fatal_error"),
                SetApiVersion = (delegate* unmanaged<nint, short, short, short, int>)NativeLibrary.GetExport(lib, "rd_kafka_mock_set_apiversion"),
                ShareGroupSetAutoOffsetReset = (delegate* unmanaged<nint, int, void>)NativeLibrary.GetExport(lib, "rd_kafka_mock_sharegroup_set_auto_offset_reset"),
                ShareGroupSetIsolationLevel = (delegate* unmanaged<nint, int, void>)NativeLibrary.GetExport(lib, "rd_kafka_mock_sharegroup_set_isolation_level"),
            };
        }
    }
}
