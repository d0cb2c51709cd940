namespace SocketAgent.Collection.Tracing;

/// <summary>The eBPF source cannot run here; the message says why (no BTF, no libbpf, BPF refused...).</summary>
public sealed class TracerUnavailableException : Exception
{
    public TracerUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
