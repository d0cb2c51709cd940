namespace SocketAgent.Collection.Processes;

/// <summary>The fields of <c>/proc/pid/stat</c> that socket-agent reports.</summary>
internal readonly record struct ProcStat(int Pid, string Name, char State, int ParentPid, ulong StartTimeTicks);
