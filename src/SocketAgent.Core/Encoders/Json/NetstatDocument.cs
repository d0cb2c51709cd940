namespace SocketAgent.Encoders.Json;

/// <summary>
/// One JSON line of dataset <c>netstat</c>: one group of the kernel's protocol counters (/proc/net/snmp, netstat, snmp6).
/// </summary>
public sealed class NetstatDocument : HostStateDocument
{
    public required NetstatJson Netstat { get; set; }
}
