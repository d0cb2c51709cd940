namespace SocketAgent.Correlation.Map;

/// <summary>A server port with its transport (53/udp and 53/tcp are different services), ordered by number first.</summary>
internal readonly record struct PortKey(int Port, string Transport) : IComparable<PortKey>
{
    public int CompareTo(PortKey other)
    {
        int byPort = Port.CompareTo(other.Port);
        return byPort != 0 ? byPort : string.CompareOrdinal(Transport, other.Transport);
    }

    public override string ToString() => $"{Port}/{Transport}";
}
