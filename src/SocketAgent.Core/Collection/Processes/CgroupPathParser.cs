using SocketAgent.Model;

namespace SocketAgent.Collection.Processes;

/// <summary>
/// Reads <c>/proc/pid/cgroup</c> (cgroup v1 <c>N:controllers:/path</c> and v2 <c>0::/path</c>, the cgroupfs and the
/// systemd drivers, nested hierarchies) into a <see cref="CgroupIdentity"/>: the container id and runtime of docker,
/// containerd (incl. Kubernetes), cri-o and podman, the Kubernetes pod uid and QoS class, and for host processes the
/// systemd unit and slice.
/// </summary>
/// <remarks>
/// The layouts, leaf last:
/// <list type="bullet">
/// <item>cgroupfs: <c>/docker/ID</c>, <c>/libpod_parent/libpod-ID</c>, <c>/kubepods[/burstable|/besteffort]/podUID/ID</c>.</item>
/// <item>systemd: <c>…/docker-ID.scope</c>, <c>…/libpod-ID.scope[/container]</c>,
/// <c>/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podUID_WITH_UNDERSCORES.slice/cri-containerd-ID.scope</c>
/// (or <c>crio-ID.scope</c>), and host units such as <c>/system.slice/ssh.service</c>.</item>
/// </list>
/// The monitors <c>crio-conmon-ID.scope</c> and <c>libpod-conmon-ID.scope</c> run outside their container: nothing
/// is reported for them.
/// </remarks>
internal static class CgroupPathParser
{
    private const int IdLength = 64;

    // Runtimes that name the leaf cgroup "<prefix><id>.scope" under the systemd cgroup driver.
    private static readonly (string Prefix, string Runtime)[] s_scopePrefixes =
        [("docker-", "docker"), ("cri-containerd-", "containerd"), ("crio-", "cri-o"), ("libpod-", "podman")];

    /// <summary>The identity the file names, or null when it names nothing (the root cgroup, a hidden path, a monitor).</summary>
    public static CgroupIdentity? Parse(ReadOnlySpan<char> cgroup)
    {
        CgroupIdentity? container = null;
        int containerDepth = -1;
        CgroupIdentity? unit = null;
        foreach (Range lineRange in cgroup.Split('\n'))
        {
            ReadOnlySpan<char> line = cgroup[lineRange];

            // hierarchy-id:controller-list:path — the path may itself hold ':' so only the first two count.
            int first = line.IndexOf(':');
            if (first < 0)
            {
                continue;
            }
            int second = line[(first + 1)..].IndexOf(':');
            if (second < 0)
            {
                continue;
            }
            ReadOnlySpan<char> controllers = line[(first + 1)..(first + 1 + second)];
            ReadOnlySpan<char> path = line[(first + 1 + second + 1)..].TrimEnd('\r');

            if (ParseContainer(path, out bool monitor) is { } found)
            {
                // The deepest container wins (docker in docker: the innermost).
                int depth = path.Count('/');
                if (depth > containerDepth)
                {
                    container = found;
                    containerDepth = depth;
                }
            }
            else if (monitor)
            {
                return null;
            }
            // Units live in systemd's own hierarchy: v2's unified line, or v1's name=systemd.
            else if (unit is null && (controllers.IsEmpty || controllers.SequenceEqual("name=systemd")))
            {
                unit = ParseUnit(path);
            }
        }
        return container ?? unit;
    }

    /// <summary>The container (and pod) a path names, walking from the leaf; <paramref name="monitor"/> for a conmon scope.</summary>
    private static CgroupIdentity? ParseContainer(ReadOnlySpan<char> path, out bool monitor)
    {
        monitor = false;
        string? id = null;
        string? runtime = null;
        ReadOnlySpan<char> rest = path;
        while (!rest.IsEmpty)
        {
            ReadOnlySpan<char> segment = PopLeaf(ref rest);

            if (segment.Contains("conmon-", StringComparison.Ordinal))
            {
                monitor = true;
                return null;
            }
            if (segment.EndsWith(".scope", StringComparison.Ordinal))
            {
                ReadOnlySpan<char> name = segment[..^".scope".Length];
                foreach ((string prefix, string scopeRuntime) in s_scopePrefixes)
                {
                    if (name.StartsWith(prefix, StringComparison.Ordinal) && IsId(name[prefix.Length..]))
                    {
                        id = name[prefix.Length..].ToString();
                        runtime = scopeRuntime;
                        break;
                    }
                }
                if (id is not null)
                {
                    break;
                }
                continue;
            }
            if (IsId(segment))
            {
                // cgroupfs: the parent says the runtime where it can (/docker/ID, /libpod_parent/libpod-ID is a scope-less name).
                id = segment.ToString();
                ReadOnlySpan<char> parent = rest[(rest.LastIndexOf('/') + 1)..];
                runtime = parent.SequenceEqual("docker") ? "docker" : null;
                break;
            }
            if (segment.StartsWith("libpod-", StringComparison.Ordinal) && IsId(segment["libpod-".Length..]))
            {
                id = segment["libpod-".Length..].ToString();
                runtime = "podman";
                break;
            }
        }
        if (id is null)
        {
            return null;
        }
        (string? pod, string? qos) = ParsePod(rest);
        return new CgroupIdentity { ContainerId = id, ContainerRuntime = runtime, PodUid = pod, QosClass = qos };
    }

    /// <summary>The pod uid and QoS class from the ancestors of a container's cgroup.</summary>
    private static (string? Pod, string? Qos) ParsePod(ReadOnlySpan<char> ancestors)
    {
        string? pod = null;
        string? qos = null;
        bool kubepods = false;
        foreach (Range range in ancestors.Split('/'))
        {
            ReadOnlySpan<char> segment = ancestors[range];
            if (segment.SequenceEqual("kubepods") || segment.EndsWith("kubepods.slice", StringComparison.Ordinal))
            {
                kubepods = true;
                continue;
            }
            if (!kubepods)
            {
                continue;
            }
            if (segment.SequenceEqual("burstable") || segment.SequenceEqual("besteffort"))
            {
                qos = segment.ToString();
            }
            else if (segment.StartsWith("pod", StringComparison.Ordinal) && segment.Length > 3)
            {
                pod = segment[3..].ToString(); // cgroupfs: pod<uid>
            }
            else if (segment.EndsWith(".slice", StringComparison.Ordinal))
            {
                // systemd: kubepods-burstable.slice, kubepods-burstable-pod<uid_with_underscores>.slice (kubelet- prefixed too).
                ReadOnlySpan<char> name = segment[..^".slice".Length];
                int podAt = name.LastIndexOf("-pod", StringComparison.Ordinal);
                if (podAt >= 0)
                {
                    pod = name[(podAt + "-pod".Length)..].ToString().Replace('_', '-');
                    name = name[..podAt];
                }
                if (name.EndsWith("-burstable", StringComparison.Ordinal))
                {
                    qos = "burstable";
                }
                else if (name.EndsWith("-besteffort", StringComparison.Ordinal))
                {
                    qos = "besteffort";
                }
            }
        }
        if (pod is { Length: 0 })
        {
            pod = null;
        }
        // A guaranteed pod's cgroup sits right under kubepods, without a QoS level.
        return (pod, pod is not null ? qos ?? "guaranteed" : qos);
    }

    /// <summary>A host process's systemd unit (the deepest <c>.service</c> or <c>.scope</c>) and the slice above it.</summary>
    private static CgroupIdentity? ParseUnit(ReadOnlySpan<char> path)
    {
        ReadOnlySpan<char> rest = path;
        while (!rest.IsEmpty)
        {
            ReadOnlySpan<char> segment = PopLeaf(ref rest);
            if (segment.EndsWith(".service", StringComparison.Ordinal) || segment.EndsWith(".scope", StringComparison.Ordinal))
            {
                string? slice = null;
                ReadOnlySpan<char> above = rest;
                while (!above.IsEmpty)
                {
                    ReadOnlySpan<char> ancestor = PopLeaf(ref above);
                    if (ancestor.EndsWith(".slice", StringComparison.Ordinal))
                    {
                        slice = ancestor.ToString();
                        break;
                    }
                }
                return new CgroupIdentity { SystemdUnit = segment.ToString(), SystemdSlice = slice };
            }
        }
        return null;
    }

    /// <summary>The last segment of <paramref name="path"/>, which loses it (and its slash): the walk from the leaf up.</summary>
    private static ReadOnlySpan<char> PopLeaf(ref ReadOnlySpan<char> path)
    {
        int slash = path.LastIndexOf('/');
        ReadOnlySpan<char> leaf = path[(slash + 1)..];
        path = slash < 0 ? [] : path[..slash];
        return leaf;
    }

    private static bool IsId(ReadOnlySpan<char> value) =>
        value.Length == IdLength && !value.ContainsAnyExcept("0123456789abcdef");
}
