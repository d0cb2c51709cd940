using System.Runtime.InteropServices;
using System.Text;

namespace SocketAgent.Collection.Tracing;

/// <summary>
/// libbpf's warnings, kept instead of printed: libbpf would write them to stderr in its own words (its "memlock"
/// hint for a refused load is misleading); the tracer's error names the cause and quotes the last of them.
/// </summary>
internal static unsafe partial class LibbpfLog
{
    private const int Warn = 0;
    private const int MaxLines = 8;
    private static readonly Queue<string> s_lines = new();
    private static int s_installed;

    /// <summary>Routes libbpf's messages here (once per process).</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref s_installed, 1) == 0)
        {
            Libbpf.SetPrint(&Print);
        }
    }

    /// <summary>The last warnings, oldest first, and forgets them.</summary>
    public static string Take()
    {
        lock (s_lines)
        {
            string text = string.Join(" | ", s_lines);
            s_lines.Clear();
            return text;
        }
    }

    [UnmanagedCallersOnly]
    private static int Print(int level, byte* format, nint args)
    {
        if (level != Warn)
        {
            return 0;
        }
        const int size = 512;
        byte* buffer = stackalloc byte[size];
        int length = VsnPrintf(buffer, size, format, args);
        if (length <= 0)
        {
            return 0;
        }
        string line = Encoding.UTF8.GetString(buffer, Math.Min(length, size - 1)).TrimEnd('\n');
        lock (s_lines)
        {
            if (s_lines.Count == MaxLines)
            {
                s_lines.Dequeue();
            }
            s_lines.Enqueue(line);
        }
        return 0;
    }

    /// <summary>vsnprintf(3): libbpf hands its arguments as a va_list, which only C can format.</summary>
    [LibraryImport("libc", EntryPoint = "vsnprintf")]
    private static partial int VsnPrintf(byte* buffer, nuint size, byte* format, nint args);
}
