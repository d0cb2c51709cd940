using BenchmarkDotNet.Attributes;

namespace SocketAgent.Benchmarks;

/// <summary>
/// The baseline that socket-to-process attribution has to beat: the straightforward managed walk of every
/// <c>/proc/&lt;pid&gt;/fd</c> with one <c>readlink</c> per descriptor (what <c>ss -p</c> does in C, one path per fd).
/// Run it with the benchmark workload up (tests/benchmarks/README.md) to see the cost at 20,000 sockets.
/// </summary>
[MemoryDiagnoser]
public class ProcFdWalkBenchmarks
{
    private const string ProcRoot = "/proc";

    /// <summary>Counts descriptors whose link target is <c>socket:[inode]</c>, over all processes.</summary>
    [Benchmark]
    public int CountSocketDescriptors()
    {
        int sockets = 0;
        foreach (string processDirectory in Directory.EnumerateDirectories(ProcRoot))
        {
            if (!IsProcessId(Path.GetFileName(processDirectory.AsSpan())))
            {
                continue;
            }

            try
            {
                foreach (string descriptor in Directory.EnumerateFileSystemEntries(Path.Combine(processDirectory, "fd")))
                {
                    if (new FileInfo(descriptor).LinkTarget is string target && target.StartsWith("socket:[", StringComparison.Ordinal))
                    {
                        sockets++;
                    }
                }
            }
            catch (Exception e) when (e is UnauthorizedAccessException or DirectoryNotFoundException or FileNotFoundException or IOException)
            {
                // The process exited during the walk, or belongs to a user we may not inspect: skip it.
            }
        }

        return sockets;
    }

    private static bool IsProcessId(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
