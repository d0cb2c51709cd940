namespace SocketAgent.Collection.Tracing;

/// <summary>An exec the kernel side saw: the new image's argument vector, taken before the process could exit.</summary>
internal sealed record ExecInfo(int Pid, int ParentPid, uint Uid, string Comm, string[] Args, bool Truncated);
