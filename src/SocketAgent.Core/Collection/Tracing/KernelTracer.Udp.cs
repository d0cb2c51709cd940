using System.Runtime.InteropServices;

namespace SocketAgent.Collection.Tracing;

/// <summary>The UDP part of the kernel side: its maps' size, the release hook's attachment, the flow map's reads.</summary>
public sealed unsafe partial class KernelTracer
{
    private const string ReleaseProgram = "on_sock_release";

    /// <summary>The programs each load attempt goes without: none, the release hook, every UDP program.</summary>
    private static readonly string[][] s_withoutUdp = [[], [ReleaseProgram], [ReleaseProgram, "on_send_length", "on_recv_length"]];

    private string[] _disabled = [];
    private const int O_RDONLY_DIRECTORY = 0x10000; // O_RDONLY | O_DIRECTORY

    /// <summary>
    /// Why the socket release hook does not run (CAP_NET_ADMIN missing, no cgroup v2 mounted), or null when it does:
    /// without it UDP flows end by their idle timeout alone.
    /// </summary>
    public string? UdpReleaseUnavailable { get; private set; }

    /// <summary>Why UDP flows are not traced at all (the kernel lacks what they need), or null when they are.</summary>
    public string? UdpUnavailable { get; private set; }

    private static void SizeUdp(nint obj, KernelTracerOptions options)
    {
        uint flows = (uint)options.UdpFlows;
        if (Libbpf.MapSetMaxEntries(Libbpf.FindMap(obj, "udp_flows"), flows) != 0
            || Libbpf.MapSetMaxEntries(Libbpf.FindMap(obj, "udp_sockets"), flows) != 0)
        {
            throw new TracerUnavailableException($"cannot size the UDP flow map to {flows} entries");
        }
    }

    /// <summary>
    /// The release hook is a cgroup program: attached to the root of the cgroup v2 hierarchy, it runs for every
    /// process below it (all of them, unless the agent sees only its own container's cgroups).
    /// </summary>
    private void AttachRelease()
    {
        if (_disabled.Contains(ReleaseProgram))
        {
            return;
        }
        string? root = CgroupV2Root();
        if (root is null)
        {
            UdpReleaseUnavailable = "no cgroup v2 hierarchy is mounted (the socket release hook attaches to its root)";
            return;
        }
        int fd = Open(root, O_RDONLY_DIRECTORY);
        if (fd < 0)
        {
            UdpReleaseUnavailable = $"cannot open {root}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
            return;
        }
        try
        {
            nint link = Libbpf.ProgramAttachCgroup(Libbpf.FindProgram(_object, ReleaseProgram), fd);
            if (link == 0)
            {
                UdpReleaseUnavailable = $"cannot attach the socket release hook to {root}: {Failure(Marshal.GetLastPInvokeError())}";
                return;
            }
            _links.Add(link);
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>The mount point of the cgroup v2 hierarchy (/sys/fs/cgroup, or /sys/fs/cgroup/unified in hybrid mode).</summary>
    private static string? CgroupV2Root()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/mountinfo"))
            {
                // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
                int separator = line.IndexOf(" - ", StringComparison.Ordinal);
                if (separator < 0 || !line.AsSpan(separator + 3).StartsWith("cgroup2 "))
                {
                    continue;
                }
                string[] fields = line[..separator].Split(' ');
                if (fields.Length > 4 && fields[3] == "/")
                {
                    return fields[4].Replace("\\040", " ", StringComparison.Ordinal);
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    bool IUdpFlowTable.TryPeek(in UdpFlowKey key, out UdpFlowCounters counters)
    {
        UdpFlowKey copy = key;
        UdpFlowCounters value = default;
        bool found = Libbpf.MapLookup(_udpFlowsFd, &copy, &value) == 0;
        counters = value;
        return found;
    }

    bool IUdpFlowTable.TryTake(in UdpFlowKey key, out UdpFlowCounters counters)
    {
        UdpFlowKey copy = key;
        UdpFlowCounters value = default;
        bool found = Libbpf.MapLookupAndDelete(_udpFlowsFd, &copy, &value) == 0;
        counters = value;
        return found;
    }

    ulong IUdpFlowTable.NowNs => MonotonicClock.NowNanoseconds();

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
