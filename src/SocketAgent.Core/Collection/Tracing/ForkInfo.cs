namespace SocketAgent.Collection.Tracing;

/// <summary>A process the kernel side saw forked (<c>struct fork_record</c>): until it execs, it runs its parent's image.</summary>
internal readonly record struct ForkInfo(int Pid, int ParentPid);
