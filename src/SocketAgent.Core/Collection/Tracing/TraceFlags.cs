namespace SocketAgent.Collection.Tracing;

/// <summary><c>FLAG_*</c> of Bpf/socket_trace.h.</summary>
[Flags]
internal enum TraceFlags : uint
{
    None = 0,

    /// <summary>The owner was taken where the process acted (connect, listen, accept).</summary>
    OwnerKnown = 1,

    /// <summary>A passive open not accepted yet: the owner is the listener's.</summary>
    OwnerListener = 2,

    /// <summary>The payload counters are relative to a baseline taken at ESTABLISHED.</summary>
    BytesKnown = 4,

    /// <summary>An exec whose argument block was longer than the kernel side copies.</summary>
    ArgsTruncated = 8,

    /// <summary>A UDP flow whose first datagram was received (not sent).</summary>
    UdpReceivedFirst = 16,
}
