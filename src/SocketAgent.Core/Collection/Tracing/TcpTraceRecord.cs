using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SocketAgent.Collection.Tracing;

/// <summary>One TCP state transition as the kernel side wrote it: <c>struct tcp_record</c> in Bpf/socket_trace.h.</summary>
[StructLayout(LayoutKind.Explicit, Size = 136)]
internal struct TcpTraceRecord
{
    public const uint Kind = 1;

    [FieldOffset(0)] public uint RecordKind;
    [FieldOffset(4)] public uint Pid;
    [FieldOffset(8)] public uint Tid;
    [FieldOffset(12)] public uint Uid;
    [FieldOffset(16)] public ulong TimestampNs;
    [FieldOffset(24)] public ulong StartNs;
    [FieldOffset(32)] public ulong Cookie;
    [FieldOffset(40)] public ulong BytesSent;
    [FieldOffset(48)] public ulong BytesReceived;
    [FieldOffset(56)] public uint SegmentsOut;
    [FieldOffset(60)] public uint SegmentsIn;
    [FieldOffset(64)] public uint Netns;
    [FieldOffset(68)] public TraceFlags Flags;
    [FieldOffset(72)] public int Error;
    [FieldOffset(76)] public ushort Family;
    [FieldOffset(78)] public ushort SourcePort;
    [FieldOffset(80)] public ushort DestinationPort;
    [FieldOffset(82)] public byte OldState;
    [FieldOffset(83)] public byte NewState;
    [FieldOffset(84)] public Address16 SourceAddress;
    [FieldOffset(100)] public Address16 DestinationAddress;
    [FieldOffset(116)] public Comm16 Comm;
}

[InlineArray(16)]
internal struct Address16
{
    private byte _element;
}

[InlineArray(16)]
internal struct Comm16
{
    private byte _element;
}
