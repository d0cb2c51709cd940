using System.Text;

namespace SocketAgent.Collection.Processes;

/// <summary>Splits <c>/proc/pid/cmdline</c> into the argument vector.</summary>
internal static class ProcCmdlineParser
{
    /// <summary>
    /// Arguments are NUL-terminated. One trailing NUL ends the last argument; further NULs are real empty
    /// arguments (<c>prog ''</c> reads as <c>prog\0\0</c>), so they are kept. A process that rewrote its argv
    /// (setproctitle: <c>sshd: user@pts/0</c>) may have spaces and no NUL at all: that stays one argument, as we
    /// cannot know how it was split. Kernel threads and zombies have an empty cmdline: no arguments.
    /// </summary>
    public static string[] Parse(ReadOnlySpan<byte> cmdline)
    {
        if (cmdline.IsEmpty)
        {
            return [];
        }

        if (cmdline[^1] == 0)
        {
            cmdline = cmdline[..^1];
        }

        int count = cmdline.Count((byte)0) + 1;
        string[] args = new string[count];
        int i = 0;
        foreach (Range range in cmdline.Split((byte)0))
        {
            args[i++] = Encoding.UTF8.GetString(cmdline[range]);
        }
        return args;
    }
}
