using System.Globalization;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Netstat;

/// <summary>The <c>PID/Program name</c> column (net-tools <c>prg_cache_load</c>).</summary>
internal static class NetstatProgramName
{
    /// <summary>The column width (<c>PROGNAME_WIDTH</c>); the text itself is at most one less, a C buffer's NUL.</summary>
    public const int ColumnWidth = 20;

    /// <summary>What netstat prints for a socket nobody could be found holding.</summary>
    public const string Unknown = "-";

    // netstat reads at most 511 bytes of /proc/pid/cmdline.
    private const int CmdlineBufferLength = 511;

    /// <summary>
    /// netstat's <c>pid/name</c>: the name is argv[0] cut after its last '/' only when argv[0] starts with '/';
    /// otherwise argv[0] whole (<c>./bin/x</c>, <c>sshd: root@pts/0</c>, <c>-bash</c> stay as they are). An empty
    /// command line (kernel thread, zombie) gives <c>pid/</c>. The whole text is cut to 19 characters.
    /// </summary>
    /// <remarks>
    /// Checked against net-tools 2.10 here; <see cref="ProcessInfo.NetstatName"/> differs for relative argv[0].
    /// </remarks>
    public static string Format(ProcessInfo process)
    {
        string argv0 = process.Args.Count > 0 ? process.Args[0] : string.Empty;
        ReadOnlySpan<char> name = argv0.AsSpan(0, Math.Min(argv0.Length, CmdlineBufferLength));
        if (name.Length > 0 && name[0] == '/')
        {
            name = name[(name.LastIndexOf('/') + 1)..];
        }
        string text = string.Concat(process.Pid.ToString(CultureInfo.InvariantCulture), "/", name);
        return text.Length < ColumnWidth ? text : text[..(ColumnWidth - 1)];
    }

    /// <summary>
    /// Our <c>--cmdline</c> form: <c>pid/</c> and the full shell-quoted command line, never cut; the kernel's task
    /// name when there is no command line (kernel threads).
    /// </summary>
    public static string FormatCommandLine(ProcessInfo process) =>
        string.Concat(
            process.Pid.ToString(CultureInfo.InvariantCulture),
            "/",
            OneLine(process.CommandLine.Length > 0 ? process.CommandLine : process.Name));

    /// <summary>
    /// Control characters (a newline inside a <c>python -c</c> script) would break the table into several rows;
    /// like ps, show each as '?'. The JSON output keeps the exact arguments.
    /// </summary>
    private static string OneLine(string text)
    {
        int first = text.AsSpan().IndexOfAnyInRange('\0', '\u001f');
        if (first < 0 && !text.Contains('\u007f'))
        {
            return text;
        }
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                char c = source[i];
                span[i] = char.IsControl(c) ? '?' : c;
            }
        });
    }
}
