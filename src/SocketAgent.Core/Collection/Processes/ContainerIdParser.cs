namespace SocketAgent.Collection.Processes;

/// <summary>
/// Finds the container id (64 lowercase hex characters) in <c>/proc/pid/cgroup</c> for docker, containerd
/// (incl. Kubernetes), cri-o and podman, on cgroup v1 (<c>N:controllers:/path</c>) and v2 (<c>0::/path</c>).
/// </summary>
internal static class ContainerIdParser
{
    private const int IdLength = 64;

    // Runtimes that name the leaf cgroup "<prefix><id>.scope" under the systemd cgroup driver.
    private static readonly string[] s_scopePrefixes = ["docker-", "cri-containerd-", "crio-", "libpod-"];

    /// <summary>
    /// Returns the deepest 64-hex container id named in any line, or null (host processes, rootless
    /// setups that hide the path, the <c>crio-conmon-</c>/<c>libpod-conmon-</c> monitors, which run outside the container).
    /// </summary>
    public static string? Parse(ReadOnlySpan<char> cgroup)
    {
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

            string? id = ParsePath(line[(first + 1 + second + 1)..].TrimEnd('\r'));
            if (id is not null)
            {
                return id;
            }
        }
        return null;
    }

    private static string? ParsePath(ReadOnlySpan<char> path)
    {
        // The leaf is the most specific: kubepods-…-pod<uid>.slice/cri-containerd-<id>.scope, or a nested
        // "container" sub-cgroup under libpod-<id>.scope, so walk from the end.
        while (!path.IsEmpty)
        {
            int slash = path.LastIndexOf('/');
            ReadOnlySpan<char> segment = path[(slash + 1)..];
            path = slash < 0 ? [] : path[..slash];

            if (segment.Contains("conmon-", StringComparison.Ordinal))
            {
                // crio-conmon-<id>.scope / libpod-conmon-<id>.scope: the runtime's monitor process, not the container.
                return null;
            }

            if (segment.EndsWith(".scope", StringComparison.Ordinal))
            {
                ReadOnlySpan<char> name = segment[..^".scope".Length];
                foreach (string prefix in s_scopePrefixes)
                {
                    if (name.StartsWith(prefix, StringComparison.Ordinal) && IsId(name[prefix.Length..]))
                    {
                        return name[prefix.Length..].ToString();
                    }
                }
                continue;
            }

            // cgroupfs driver: /docker/<id>, /kubepods/burstable/pod<uid>/<id>, /actions_job/<id>.
            if (IsId(segment))
            {
                return segment.ToString();
            }
        }
        return null;
    }

    private static bool IsId(ReadOnlySpan<char> value) =>
        value.Length == IdLength && !value.ContainsAnyExcept("0123456789abcdef");
}
