using System.Runtime.InteropServices;
using System.Text;

namespace SocketAgent.Tests.Delivery.Kafka;

/// <summary>
/// Reads a topic of a <see cref="MockKafkaCluster"/> as a <c>read_committed</c> consumer would: through a librdkafka
/// share consumer (KIP-932) in a share group of its own, on a cluster whose share groups were made read_committed
/// (<see cref="MockKafkaCluster.EnableReadCommittedShareGroups"/>, without which the group starts at the latest
/// offset and reads aborted records too).
/// </summary>
/// <remarks>
/// <para>
/// Why not a Confluent.Kafka consumer with <c>IsolationLevel.ReadCommitted</c>: the mock's classic Fetch answers with
/// the high watermark as last stable offset and no aborted transactions, so that consumer reads aborted records. Only
/// the mock's ShareFetch filters, and Confluent.Kafka has no share-consumer API, so this binds librdkafka's
/// (<c>rd_kafka_share_*</c>) by function pointers from the very librdkafka Confluent.Kafka loaded
/// (<see cref="InProcessMockKafkaCluster.LibraryPath"/>).
/// </para>
/// <para>
/// What the mock's read_committed share fetch does (rdkafka_mock_handlers.c, and as the tests observe): it acquires
/// records only below the partition's last stable offset, which is the first offset of the earliest transaction still
/// open on it (else the end offset); so an open transaction hides its own records and every record after them on
/// that partition, transactional or not, until it ends (other partitions are not held back). Data batches of aborted
/// transactions are archived, never delivered; COMMIT/ABORT control batches are skipped by the client.
/// </para>
/// <para>
/// Records are acknowledged implicitly (ACCEPT at the next poll, or at Dispose), so a share group hands each record
/// out once: use a new group id for each independent read. The handle is not thread-safe (librdkafka rejects
/// concurrent calls); use one instance from one thread at a time. Records are read from the x64 (LP64) layout of
/// <c>rd_kafka_message_t</c>.
/// </para>
/// </remarks>
internal sealed unsafe class ReadCommittedShareConsumer : IDisposable
{
    // RD_KAFKA_PARTITION_UA: the subscription names topics only; the share group's coordinator assigns partitions.
    private const int UnassignedPartition = -1;

    private static readonly Lazy<Native> s_native = new(Native.Bind);
    private readonly Native _native;
    private readonly List<string> _log = [];
    private readonly Lock _logLock = new();
    private readonly HashSet<(int Partition, long Offset)> _seen = [];
    private GCHandle _self; // the log callback's way back to this instance (rd_kafka_opaque)
    private nint _share;

    public ReadCommittedShareConsumer(string bootstrapServers, string topic, string groupId)
    {
        _native = s_native.Value;
        Topic = topic;
        _self = GCHandle.Alloc(this);
        nint conf = _native.ConfNew();
        byte* errstr = stackalloc byte[512];
        try
        {
            // librdkafka would print to the test's stderr; its warnings and errors go to Log instead.
            _native.ConfSetOpaque(conf, GCHandle.ToIntPtr(_self));
            _native.ConfSetLogCb(conf, &OnLog);
            Set(conf, "bootstrap.servers", bootstrapServers);
            Set(conf, "group.id", groupId);
            Set(conf, "share.acknowledgement.mode", "implicit");
            // Bounds Dispose's close (it waits for the acknowledgements and the group leave about this long) if the
            // cluster is already gone; the default is a minute.
            Set(conf, "socket.timeout.ms", "10000");
        }
        catch
        {
            _native.ConfDestroy(conf);
            _self.Free();
            throw;
        }

        _share = _native.ShareConsumerNew(conf, errstr, 512); // takes conf on success only
        if (_share == 0)
        {
            _native.ConfDestroy(conf);
            _self.Free();
            throw new InvalidOperationException($"rd_kafka_share_consumer_new failed: {Marshal.PtrToStringUTF8((nint)errstr)}");
        }

        try
        {
            Subscribe(topic);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Topic { get; }

    /// <summary>
    /// What the consumer reported so far, for assertion messages: librdkafka's warnings and errors (the first is its
    /// notice that the share consumer is a preview), poll errors and record-level errors.
    /// </summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_logLock)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>
    /// Polls until at least <paramref name="expectedAtLeast"/> records were read and then none came for
    /// <paramref name="quietPeriod"/> (with 0 expected: none came for that long from the start, which must cover
    /// joining the group), or until <paramref name="timeout"/>; returns the records read by then, in arrival order
    /// (it does not throw for too few, the caller asserts). Each record once: one the group hands out again (its
    /// acknowledgement failed or its lock expired) is the same partition and offset, so it is left out here and noted
    /// in <see cref="Log"/>. A null payload comes back as an empty value. Throws on a fatal error. Another call goes
    /// on where this one stopped.
    /// </summary>
    public List<(byte[]? Key, byte[] Value, int Partition, long Offset)> ReadAll(int expectedAtLeast, TimeSpan quietPeriod, TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_share == 0, this);
        var records = new List<(byte[]? Key, byte[] Value, int Partition, long Offset)>();
        long start = Environment.TickCount64;
        long deadline = start + (long)timeout.TotalMilliseconds;
        long lastArrival = start;
        while (true)
        {
            long now = Environment.TickCount64;
            if (now >= deadline || (records.Count >= expectedAtLeast && now - lastArrival >= (long)quietPeriod.TotalMilliseconds))
            {
                return records;
            }

            // Short polls, so the quiet period and the deadline are kept to within them (a poll cannot be woken).
            if (PollOnce((int)Math.Clamp(deadline - now, 1, 200), records) > 0)
            {
                lastArrival = Environment.TickCount64;
            }
        }
    }

    /// <summary>Closes the consumer (sends the pending acknowledgements, leaves the group) and destroys it.</summary>
    public void Dispose()
    {
        if (_share == 0)
        {
            return;
        }

        Note(_native.ShareConsumerClose(_share), "rd_kafka_share_consumer_close");
        Note(_native.ShareDestroy(_share), "rd_kafka_share_destroy");
        _share = 0;
        _self.Free(); // after destroy: no more log callbacks
    }

    private int PollOnce(int timeoutMs, List<(byte[]? Key, byte[] Value, int Partition, long Offset)> records)
    {
        nint batch = 0;
        nint error = _native.SharePoll(_share, timeoutMs, &batch);
        if (error != 0)
        {
            // Not fatal (e.g. the topic not known yet while joining): noted, and the next poll tries again.
            bool fatal = _native.ErrorIsFatal(error) != 0;
            string text = Note(error, "rd_kafka_share_poll");
            _native.MessagesDestroy(batch); // NULL after an error; destroying NULL is a no-op
            return fatal ? throw new InvalidOperationException($"share consumer of {Topic}: fatal error: {text}") : 0;
        }

        try
        {
            int added = 0;
            nuint count = _native.MessagesCount(batch);
            for (nuint i = 0; i < count; i++)
            {
                var message = (RdKafkaMessage*)_native.MessagesGet(batch, i);
                if (message->Err != 0)
                {
                    // A record-level error (payload is its text): librdkafka acknowledged it already (REJECT/RELEASE).
                    AddLog($"partition {message->Partition} offset {message->Offset}: error {message->Err}: {Text(message->Payload, message->Len)}");
                    continue;
                }

                if (!_seen.Add((message->Partition, message->Offset)))
                {
                    AddLog($"partition {message->Partition} offset {message->Offset}: delivered again (delivery count {_native.MessageDeliveryCount((nint)message)})");
                    continue;
                }

                byte[]? key = message->Key == 0 ? null : new ReadOnlySpan<byte>((void*)message->Key, checked((int)message->KeyLen)).ToArray();
                byte[] value = message->Payload == 0 ? [] : new ReadOnlySpan<byte>((void*)message->Payload, checked((int)message->Len)).ToArray();
                records.Add((key, value, message->Partition, message->Offset));
                added++;
            }

            return added;
        }
        finally
        {
            _native.MessagesDestroy(batch);
        }
    }

    private void Subscribe(string topic)
    {
        nint list = _native.PartitionListNew(1);
        try
        {
            fixed (byte* name = Utf8Z(topic))
            {
                _ = _native.PartitionListAdd(list, name, UnassignedPartition);
            }
            int err = _native.ShareSubscribe(_share, list); // copies the list
            if (err != 0)
            {
                throw new InvalidOperationException($"rd_kafka_share_subscribe({topic}) failed: error {err}");
            }
        }
        finally
        {
            _native.PartitionListDestroy(list);
        }
    }

    private void Set(nint conf, string name, string value)
    {
        byte* errstr = stackalloc byte[512];
        fixed (byte* n = Utf8Z(name), v = Utf8Z(value))
        {
            if (_native.ConfSet(conf, n, v, errstr, 512) != 0 /* RD_KAFKA_CONF_OK */)
            {
                throw new InvalidOperationException($"rd_kafka_conf_set({name}) failed: {Marshal.PtrToStringUTF8((nint)errstr)}");
            }
        }
    }

    /// <summary>Records <paramref name="error"/> (if any) in <see cref="Log"/>, frees it, and returns its text.</summary>
    private string Note(nint error, string function)
    {
        if (error == 0)
        {
            return "";
        }

        string text = $"{function}: error {_native.ErrorCode(error)}: {Marshal.PtrToStringUTF8(_native.ErrorString(error))}";
        _native.ErrorDestroy(error);
        AddLog(text);
        return text;
    }

    private void AddLog(string line)
    {
        lock (_logLock)
        {
            _log.Add(line);
        }
    }

    /// <summary>librdkafka's log_cb, called from its own threads; keeps warnings (syslog level 4) and worse.</summary>
    [UnmanagedCallersOnly]
    private static void OnLog(nint rk, int level, byte* facility, byte* text)
    {
        if (level <= 4 && s_native.Value.Opaque(rk) is var self and not 0 && GCHandle.FromIntPtr(self).Target is ReadCommittedShareConsumer consumer)
        {
            consumer.AddLog($"log {level} {Marshal.PtrToStringUTF8((nint)facility)}: {Marshal.PtrToStringUTF8((nint)text)}");
        }
    }

    private static string Text(nint bytes, nuint length) =>
        bytes == 0 ? "" : Encoding.UTF8.GetString(new ReadOnlySpan<byte>((void*)bytes, checked((int)length)));

    private static byte[] Utf8Z(string text) => Encoding.UTF8.GetBytes(text + "\0");

    /// <summary>
    /// <c>rd_kafka_message_t</c> (rdkafka.h) as laid out on LP64 (x64, arm64): err (int32 enum) at 0, rkt at 8,
    /// partition (int32) at 16, payload at 24, len (size_t) at 32, key at 40, key_len at 48, offset (int64) at 56,
    /// _private at 64; 72 bytes.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 72)]
    private struct RdKafkaMessage
    {
        [FieldOffset(0)] public int Err;
        [FieldOffset(8)] public nint Rkt;
        [FieldOffset(16)] public int Partition;
        [FieldOffset(24)] public nint Payload;
        [FieldOffset(32)] public nuint Len;
        [FieldOffset(40)] public nint Key;
        [FieldOffset(48)] public nuint KeyLen;
        [FieldOffset(56)] public long Offset;
        [FieldOffset(64)] public nint Private;
    }

    /// <summary>The share-consumer functions of the librdkafka Confluent.Kafka loaded.</summary>
    private sealed class Native
    {
        public required delegate* unmanaged<nint> ConfNew { get; init; }
        public required delegate* unmanaged<nint, byte*, byte*, byte*, nuint, int> ConfSet { get; init; }
        public required delegate* unmanaged<nint, void> ConfDestroy { get; init; }
        public required delegate* unmanaged<nint, nint, void> ConfSetOpaque { get; init; }
        public required delegate* unmanaged<nint, delegate* unmanaged<nint, int, byte*, byte*, void>, void> ConfSetLogCb { get; init; }
        public required delegate* unmanaged<nint, nint> Opaque { get; init; }
        public required delegate* unmanaged<nint, byte*, nuint, nint> ShareConsumerNew { get; init; }
        public required delegate* unmanaged<nint, nint, int> ShareSubscribe { get; init; }
        public required delegate* unmanaged<nint, int, nint*, nint> SharePoll { get; init; }
        public required delegate* unmanaged<nint, nint> ShareConsumerClose { get; init; }
        public required delegate* unmanaged<nint, nint> ShareDestroy { get; init; }
        public required delegate* unmanaged<nint, nuint> MessagesCount { get; init; }
        public required delegate* unmanaged<nint, nuint, nint> MessagesGet { get; init; }
        public required delegate* unmanaged<nint, void> MessagesDestroy { get; init; }
        public required delegate* unmanaged<nint, short> MessageDeliveryCount { get; init; }
        public required delegate* unmanaged<nint, int> ErrorCode { get; init; }
        public required delegate* unmanaged<nint, nint> ErrorString { get; init; }
        public required delegate* unmanaged<nint, int> ErrorIsFatal { get; init; }
        public required delegate* unmanaged<nint, void> ErrorDestroy { get; init; }
        public required delegate* unmanaged<int, nint> PartitionListNew { get; init; }
        public required delegate* unmanaged<nint, byte*, int, nint> PartitionListAdd { get; init; }
        public required delegate* unmanaged<nint, void> PartitionListDestroy { get; init; }

        public static Native Bind()
        {
            if (!Environment.Is64BitProcess)
            {
                throw new PlatformNotSupportedException("RdKafkaMessage is the LP64 layout of rd_kafka_message_t.");
            }

            // Loading the mapped file again returns the same library (dlopen counts references), not a second copy.
            nint lib = NativeLibrary.Load(InProcessMockKafkaCluster.LibraryPath);
            return new Native
            {
                ConfNew = (delegate* unmanaged<nint>)NativeLibrary.GetExport(lib, "rd_kafka_conf_new"),
                ConfSet = (delegate* unmanaged<nint, byte*, byte*, byte*, nuint, int>)NativeLibrary.GetExport(lib, "rd_kafka_conf_set"),
                ConfDestroy = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "rd_kafka_conf_destroy"),
                ConfSetOpaque = (delegate* unmanaged<nint, nint, void>)NativeLibrary.GetExport(lib, "rd_kafka_conf_set_opaque"),
                ConfSetLogCb = (delegate* unmanaged<nint, delegate* unmanaged<nint, int, byte*, byte*, void>, void>)NativeLibrary.GetExport(lib, "rd_kafka_conf_set_log_cb"),
                Opaque = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(lib, "rd_kafka_opaque"),
                ShareConsumerNew = (delegate* unmanaged<nint, byte*, nuint, nint>)NativeLibrary.GetExport(lib, "rd_kafka_share_consumer_new"),
                ShareSubscribe = (delegate* unmanaged<nint, nint, int>)NativeLibrary.GetExport(lib, "rd_kafka_share_subscribe"),
                SharePoll = (delegate* unmanaged<nint, int, nint*, nint>)NativeLibrary.GetExport(lib, "rd_kafka_share_poll"),
                ShareConsumerClose = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(lib, "rd_kafka_share_consumer_close"),
                ShareDestroy = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(lib, "rd_kafka_share_destroy"),
                MessagesCount = (delegate* unmanaged<nint, nuint>)NativeLibrary.GetExport(lib, "rd_kafka_messages_count"),
                MessagesGet = (delegate* unmanaged<nint, nuint, nint>)NativeLibrary.GetExport(lib, "rd_kafka_messages_get"),
                MessagesDestroy = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "rd_kafka_messages_destroy"),
                MessageDeliveryCount = (delegate* unmanaged<nint, short>)NativeLibrary.GetExport(lib, "rd_kafka_message_delivery_count"),
                ErrorCode = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(lib, "rd_kafka_error_code"),
                ErrorString = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(lib, "rd_kafka_error_string"),
                ErrorIsFatal = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(lib, "rd_kafka_error_is_fatal"),
                ErrorDestroy = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "rd_kafka_error_destroy"),
                PartitionListNew = (delegate* unmanaged<int, nint>)NativeLibrary.GetExport(lib, "rd_kafka_topic_partition_list_new"),
                PartitionListAdd = (delegate* unmanaged<nint, byte*, int, nint>)NativeLibrary.GetExport(lib, "rd_kafka_topic_partition_list_add"),
                PartitionListDestroy = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "rd_kafka_topic_partition_list_destroy"),
            };
        }
    }
}
