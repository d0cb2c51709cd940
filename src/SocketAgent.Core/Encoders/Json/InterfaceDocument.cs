namespace SocketAgent.Encoders.Json;

/// <summary>One JSON line of dataset <c>interface</c>: one network interface with its addresses and counters.</summary>
public sealed class InterfaceDocument : HostStateDocument
{
    public required InterfaceJson Interface { get; set; }
}
