using System.Buffers.Text;
using System.Text;

namespace SocketAgent.Collection.Processes;

/// <summary>
/// Parses <c>/proc/pid/stat</c>: <c>pid (comm) state ppid pgrp … starttime …</c> (proc(5)).
/// </summary>
internal static class ProcStatParser
{
    // Fields after the comm, counted from the state (field 3 in proc(5)): ppid is field 4, starttime field 22.
    private const int ParentPidIndex = 4 - 3;
    private const int StartTimeIndex = 22 - 3;

    public static bool TryParse(ReadOnlySpan<byte> stat, out ProcStat result)
    {
        result = default;

        // comm is the task name between the parentheses and may itself hold spaces, '(' and ')' ("(a) b)"), so
        // it ends at the LAST ')' as procps reads it; the fields after it are plain numbers.
        int open = stat.IndexOf((byte)'(');
        int close = stat.LastIndexOf((byte)')');
        if (open < 2 || close < open || stat[open - 1] != (byte)' ')
        {
            return false;
        }

        if (!Utf8Parser.TryParse(stat[..(open - 1)], out int pid, out int pidLength) || pidLength != open - 1 || pid <= 0)
        {
            return false;
        }

        ReadOnlySpan<byte> comm = stat[(open + 1)..close];
        ReadOnlySpan<byte> rest = stat[(close + 1)..];

        char state = '\0';
        int parentPid = -1;
        ulong startTime = 0;
        bool haveStartTime = false;
        int index = 0;
        foreach (Range range in rest.Split((byte)' '))
        {
            ReadOnlySpan<byte> field = rest[range];
            if (field.IsEmpty)
            {
                // The separator right after ')', or the trailing newline case handled below.
                continue;
            }

            if (index == 0)
            {
                if (field.Length != 1 || field[0] > 0x7F)
                {
                    return false;
                }
                state = (char)field[0];
            }
            else if (index == ParentPidIndex)
            {
                if (!Utf8Parser.TryParse(field, out parentPid, out int consumed) || consumed != field.Length || parentPid < 0)
                {
                    return false;
                }
            }
            else if (index == StartTimeIndex)
            {
                field = field.TrimEnd((byte)'\n');
                if (!Utf8Parser.TryParse(field, out startTime, out int consumed) || consumed != field.Length)
                {
                    return false;
                }
                haveStartTime = true;
                break;
            }
            index++;
        }

        if (!haveStartTime)
        {
            return false;
        }

        result = new ProcStat(pid, Encoding.UTF8.GetString(comm), state, parentPid, startTime);
        return true;
    }
}
