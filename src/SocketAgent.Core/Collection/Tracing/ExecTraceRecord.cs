using System.Runtime.InteropServices;

namespace SocketAgent.Collection.Tracing;

/// <summary>
/// The fixed head of <c>struct exec_record</c> (Bpf/socket_trace.h); the NUL-separated arguments follow at
/// <see cref="ArgsOffset"/>, <see cref="ArgsLength"/> bytes of them.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct ExecTraceRecord
{
    public const uint Kind = 2;
    public const int ArgsOffset = 40;
    public const int ArgsCapacity = 4096;

    [FieldOffset(0)] public uint RecordKind;
    [FieldOffset(4)] public uint Pid;
    [FieldOffset(8)] public uint Uid;
    [FieldOffset(12)] public uint ArgsLength;
    [FieldOffset(16)] public TraceFlags Flags;
    [FieldOffset(20)] public uint ParentPid;
    [FieldOffset(24)] public Comm16 Comm;
}
