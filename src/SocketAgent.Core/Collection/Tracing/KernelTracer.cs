using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using SocketAgent.Collection.Processes;

namespace SocketAgent.Collection.Tracing;

/// <summary>
/// The kernel side of the eBPF source, loaded and attached: the BPF object embedded in this assembly
/// (Bpf/socket_trace.bpf.c) through libbpf. A thread drains its ring buffer every
/// <see cref="KernelTracerOptions.DrainInterval"/> into a queue that the daemon's cycle empties with
/// <see cref="Drain"/> and <see cref="Take"/>. Nothing wakes the thread per record (the kernel side submits without a
/// wake-up), and nothing is allocated per record: the queue is chunks of records, reused from cycle to cycle
/// (<see cref="TraceItemQueue"/>), and the cycle takes them out in batches as it translates them.
/// </summary>
public sealed unsafe partial class KernelTracer : IDisposable, IUdpFlowTable
{
    private const string ObjectResource = "SocketAgent.Tracing.socket_trace.bpf.o";
    private const string BtfPath = "/sys/kernel/btf/vmlinux";
    private const int EPERM = 1;
    private const int EACCES = 13;
    private const int RecursionMissesOffset = 208;
    private const int ProgramInfoSize = 232;
    // struct fork_record: kind, pid, ppid.
    private const uint ForkKind = 3;

    // In attach order: the first copy of the state program must run before the second (see handle_state).
    private static readonly string[] s_programs = ["on_state", "on_state_second", "on_sys_exit", "on_exec", "on_fork", "on_send_length", "on_recv_length"];

    private readonly KernelTracerOptions _options;
    // Filled by OnRecord, which runs inside ring_buffer__consume, so always under _consume.
    private readonly TraceItemQueue _pending = new();
    private readonly List<nint> _links = [];
    private readonly int _countersFd;
    private readonly int _udpFlowsFd;
    private readonly int _firstProgramFd;
    private readonly int _secondProgramFd;
    private readonly Thread _drainer;
    // No spinning: the drain thread wakes 100 times a second and must cost nothing measurable when idle.
    private readonly ManualResetEventSlim _stop = new(initialState: false, spinCount: 0);
    // ring_buffer__consume is not thread-safe: the drain thread and Drain take turns.
    private readonly Lock _consume = new();
    private nint _object;
    private nint _ring;
    private GCHandle _self;
    private long _delivered;
    private bool _disposed;

    private KernelTracer(KernelTracerOptions options, nint obj)
    {
        _options = options;
        _object = obj;
        _countersFd = Libbpf.MapFd(Libbpf.FindMap(obj, "counters"));
        _udpFlowsFd = Libbpf.MapFd(Libbpf.FindMap(obj, "udp_flows"));
        _firstProgramFd = Libbpf.ProgramFd(Libbpf.FindProgram(obj, s_programs[0]));
        _secondProgramFd = Libbpf.ProgramFd(Libbpf.FindProgram(obj, s_programs[1]));
        _drainer = new Thread(DrainLoop) { IsBackground = true, Name = "ebpf-drain" };
    }

    /// <summary>
    /// Loads and attaches the kernel side. Throws <see cref="TracerUnavailableException"/> with the reason when it
    /// cannot run here (no BTF, libbpf missing, not built in, BPF refused), having released whatever it took.
    /// </summary>
    public static KernelTracer Start(KernelTracerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int ring = options.RingBufferBytes;
        if (ring < Environment.SystemPageSize || (ring & (ring - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"the ring buffer size must be a power of two of at least {Environment.SystemPageSize} bytes, not {ring}");
        }
        if (!File.Exists(BtfPath))
        {
            throw new TracerUnavailableException($"the kernel has no BTF ({BtfPath} is missing; CONFIG_DEBUG_INFO_BTF=y is needed)");
        }
        byte[] image = ReadObject()
            ?? throw new TracerUnavailableException("this build has no BPF object (clang, bpftool or libbpf-dev were missing when it was built)");

        nint obj = OpenObject(image);
        string? releaseUnavailable = null;
        string? udpUnavailable = null;
        string[] disabled = [];
        KernelTracer? tracer = null;
        try
        {
            int status = 0;
            for (int attempt = 0; attempt < s_withoutUdp.Length; attempt++)
            {
                if (attempt > 0)
                {
                    Libbpf.ObjectClose(obj);
                    obj = 0;
                    obj = OpenObject(image);
                }
                Size(obj, options);
                foreach (string program in s_withoutUdp[attempt])
                {
                    Libbpf.ProgramSetAutoload(Libbpf.FindProgram(obj, program), false);
                }
                status = Libbpf.ObjectLoad(obj);
                if (status >= 0)
                {
                    disabled = s_withoutUdp[attempt];
                    break;
                }
                if (attempt == s_withoutUdp.Length - 1)
                {
                    break; // the error below names libbpf's reason
                }
                // Older kernels lack the UDP tracepoints (6.3) or bpf_task_pt_regs (5.15); the release hook needs
                // CAP_NET_ADMIN: the next attempt goes without them, so TCP is traced wherever it was before.
                string reason = Failure(-status);
                releaseUnavailable ??= $"the socket release hook did not load ({reason})";
                if (attempt == 1)
                {
                    udpUnavailable = $"the UDP programs did not load ({reason})";
                }
            }
            if (status < 0)
            {
                int errno = -status;
                throw new TracerUnavailableException(errno is EPERM or EACCES
                    ? $"the kernel refused to load BPF programs ({Failure(errno)}): CAP_BPF and CAP_PERFMON (or root) are needed"
                    : $"the BPF programs did not load ({Failure(errno)})");
            }
            tracer = new KernelTracer(options, obj)
            {
                UdpReleaseUnavailable = disabled.Length > 0 ? releaseUnavailable : null,
                UdpUnavailable = disabled.Length > 1 ? udpUnavailable : null,
                _disabled = disabled,
            };
            tracer.Attach();
            return tracer;
        }
        catch
        {
            if (tracer is not null)
            {
                tracer.Dispose();
            }
            else if (obj != 0)
            {
                Libbpf.ObjectClose(obj);
            }
            throw;
        }
    }

    private static nint OpenObject(byte[] image)
    {
        nint obj;
        try
        {
            LibbpfLog.Install();
            fixed (byte* data = image)
            fixed (byte* name = "socket_trace\0"u8)
            {
                var open = new Libbpf.OpenOptions { Size = (nuint)sizeof(Libbpf.OpenOptions), ObjectName = name };
                obj = Libbpf.ObjectOpenMem(data, (nuint)image.Length, &open);
            }
        }
        catch (DllNotFoundException ex)
        {
            throw new TracerUnavailableException("libbpf.so.1 is not installed (Debian/Ubuntu: apt-get install libbpf1)", ex);
        }
        if (obj == 0)
        {
            throw new TracerUnavailableException($"libbpf could not open the BPF object: {Failure(Marshal.GetLastPInvokeError())}");
        }
        return obj;
    }

    private static void Size(nint obj, KernelTracerOptions options)
    {
        if (Libbpf.MapSetMaxEntries(Libbpf.FindMap(obj, "events"), (uint)options.RingBufferBytes) != 0)
        {
            throw new TracerUnavailableException($"cannot size the ring buffer to {options.RingBufferBytes} bytes");
        }
        SizeUdp(obj, options);
    }

    /// <summary>Records delivered to the agent since the start.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Records waiting for the next <see cref="Drain"/>.</summary>
    public int Queued
    {
        get
        {
            lock (_consume)
            {
                return _pending.Count;
            }
        }
    }

    private void Attach()
    {
        foreach (string name in s_programs)
        {
            if (_disabled.Contains(name))
            {
                continue;
            }
            nint link = Libbpf.ProgramAttach(Libbpf.FindProgram(_object, name));
            if (link == 0)
            {
                throw new TracerUnavailableException($"cannot attach {name}: {Failure(Marshal.GetLastPInvokeError())}");
            }
            _links.Add(link);
        }
        AttachRelease();
        _self = GCHandle.Alloc(this);
        _ring = Libbpf.RingBufferNew(Libbpf.MapFd(Libbpf.FindMap(_object, "events")), &OnRecord, (void*)GCHandle.ToIntPtr(_self), null);
        if (_ring == 0)
        {
            throw new TracerUnavailableException($"cannot map the ring buffer: {Failure(Marshal.GetLastPInvokeError())}");
        }
        _drainer.Start();
    }

    /// <summary>
    /// Consumes every record committed so far and returns how many are queued: the caller then <see cref="Take"/>s
    /// that many, in ring order. The ring buffer is drained first, so whatever the caller read from the kernel before
    /// (a sock_diag dump, destroy notifications) is older than the last of them.
    /// </summary>
    internal int Drain()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_consume)
        {
            Libbpf.RingBufferConsume(_ring);
            return _pending.Count;
        }
    }

    /// <summary>Moves up to <paramref name="max"/> of the oldest queued records into <paramref name="into"/>.</summary>
    internal int Take(TraceItem[] into, int max)
    {
        lock (_consume)
        {
            int count = Math.Min(Math.Min(max, into.Length), _pending.Count);
            for (int i = 0; i < count; i++)
            {
                into[i] = _pending.Dequeue();
            }
            return count;
        }
    }

    /// <summary>The kernel side's counters now.</summary>
    public TracerCounters ReadCounters()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new TracerCounters(
            Attempted: ReadCounter(1), Lost: ReadCounter(0), Deduplicated: ReadCounter(2), Accepts: ReadCounter(3),
            RecursionMissesFirst: RecursionMisses(_firstProgramFd), RecursionMissesSecond: RecursionMisses(_secondProgramFd),
            Delivered: Delivered);
    }

    internal long ReadCounter(uint slot)
    {
        ulong value = 0;
        return Libbpf.MapLookup(_countersFd, &slot, &value) == 0 ? (long)value : 0;
    }

    private static long RecursionMisses(int programFd)
    {
        byte* info = stackalloc byte[ProgramInfoSize];
        new Span<byte>(info, ProgramInfoSize).Clear();
        uint length = ProgramInfoSize;
        return Libbpf.ObjectGetInfo(programFd, info, &length) == 0 && length >= RecursionMissesOffset + 8
            ? (long)Unsafe.ReadUnaligned<ulong>(info + RecursionMissesOffset)
            : 0;
    }

    private void DrainLoop()
    {
        TimeSpan wait = _options.DrainInterval;
        TimeSpan longest = _options.IdleDrainInterval > wait ? _options.IdleDrainInterval : wait;
        while (!_stop.Wait(wait))
        {
            // A full queue (a cycle that fell behind) leaves the records in the ring buffer: what overflows it is
            // then counted by the kernel side, so every loss is counted in one place.
            int consumed;
            bool full;
            lock (_consume)
            {
                full = _pending.Count >= _options.MaxQueuedRecords;
                consumed = full ? 0 : Libbpf.RingBufferConsume(_ring);
            }
            // Idle: wait longer each time, up to IdleDrainInterval; records (or a full queue) bring it back at once.
            wait = consumed != 0 || full ? _options.DrainInterval : wait * 2 < longest ? wait * 2 : longest;
        }
    }

    [UnmanagedCallersOnly]
    private static int OnRecord(void* context, void* data, nuint size)
    {
        if (GCHandle.FromIntPtr((nint)context).Target is not KernelTracer tracer || size < 4)
        {
            return 0;
        }
        uint kind = *(uint*)data;
        if (kind == TcpTraceRecord.Kind && size >= (nuint)sizeof(TcpTraceRecord))
        {
            tracer._pending.Enqueue(new TraceItem(*(TcpTraceRecord*)data, null));
        }
        else if (kind == ExecTraceRecord.Kind && size >= (nuint)sizeof(ExecTraceRecord))
        {
            tracer._pending.Enqueue(new TraceItem(default, DecodeExec((ExecTraceRecord*)data, size)));
        }
        else if (kind == UdpOpenTraceRecord.Kind && size >= (nuint)sizeof(UdpOpenTraceRecord))
        {
            tracer._pending.Enqueue(new TraceItem(default, null, null, new UdpTraceItem { Open = *(UdpOpenTraceRecord*)data }));
        }
        else if (kind == UdpReleaseTraceRecord.Kind && size >= (nuint)sizeof(UdpReleaseTraceRecord))
        {
            var release = (UdpReleaseTraceRecord*)data;
            tracer._pending.Enqueue(new TraceItem(default, null, null,
                new UdpTraceItem { IsRelease = true, ReleasedCookie = release->Cookie, ReleasedNs = release->TimestampNs }));
        }
        else if (kind == ForkKind && size >= 12)
        {
            uint* fork = (uint*)data;
            tracer._pending.Enqueue(new TraceItem(default, null, new ForkInfo((int)fork[1], (int)fork[2])));
        }
        Interlocked.Increment(ref tracer._delivered);
        return 0;
    }

    private static ExecInfo DecodeExec(ExecTraceRecord* record, nuint size)
    {
        int available = (int)Math.Min((ulong)(size - ExecTraceRecord.ArgsOffset), ExecTraceRecord.ArgsCapacity);
        int length = (int)Math.Min(record->ArgsLength, (uint)available);
        var args = new ReadOnlySpan<byte>((byte*)record + ExecTraceRecord.ArgsOffset, length);
        return new ExecInfo(
            (int)record->Pid, (int)record->ParentPid, record->Uid, CommText(record->Comm),
            length > 0 ? ProcCmdlineParser.Parse(args) : [], (record->Flags & TraceFlags.ArgsTruncated) != 0);
    }

    internal static string CommText(in Comm16 comm)
    {
        ReadOnlySpan<byte> bytes = comm;
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    private static byte[]? ReadObject()
    {
        using Stream? stream = typeof(KernelTracer).Assembly.GetManifestResourceStream(ObjectResource);
        if (stream is null)
        {
            return null;
        }
        var image = new byte[stream.Length];
        stream.ReadExactly(image);
        return image;
    }

    private static string Failure(int errno)
    {
        string warnings = LibbpfLog.Take();
        string text = errno > 0 ? Marshal.GetPInvokeErrorMessage(errno) : "unknown error";
        return warnings.Length > 0 ? $"{text}; libbpf: {warnings}" : text;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _stop.Set();
        if (_drainer.IsAlive)
        {
            _drainer.Join();
        }
        if (_ring != 0)
        {
            Libbpf.RingBufferFree(_ring);
            _ring = 0;
        }
        foreach (nint link in _links)
        {
            Libbpf.LinkDestroy(link);
        }
        _links.Clear();
        if (_self.IsAllocated)
        {
            _self.Free();
        }
        if (_object != 0)
        {
            Libbpf.ObjectClose(_object);
            _object = 0;
        }
        _stop.Dispose();
    }
}
