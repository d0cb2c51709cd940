namespace SocketAgent.Correlation;

/// <summary>
/// Decides which end is the client and which the server, and what the byte counters mean as payload.
/// </summary>
internal static class ConnectionRoles
{
    public static CorrelatedConnection Resolve(ConnectionEntry entry)
    {
        ConnectionEnd a = entry.A;
        ConnectionEnd? b = entry.B;
        ConnectionEnd? client, server;
        if (b is not null)
        {
            bool aIsServer = IsServer(a, b);
            (client, server) = aIsServer ? (b, a) : (a, b);
        }
        else
        {
            ConnectionEnd only = a;
            bool isServer = only.SaidIngress || (!only.SaidEgress && only.Local.Port < only.Remote.Port);
            client = isServer ? null : only;
            server = isServer ? only : null;
        }

        EndpointAddress clientAddress = client?.Local ?? server!.Remote;
        EndpointAddress serverAddress = server?.Local ?? client!.Remote;
        long start = Math.Min(client?.Start ?? long.MaxValue, server?.Start ?? long.MaxValue);
        long end = Math.Max(client?.End ?? EventTimestamp.Unknown, server?.End ?? EventTimestamp.Unknown);
        bool closed = (client?.Closed ?? true) && (server?.Closed ?? true);
        return new CorrelatedConnection
        {
            Key = entry.Key,
            Partition = entry.Partition,
            Client = client,
            Server = server,
            ClientAddress = clientAddress,
            ServerAddress = serverAddress,
            Start = start,
            End = end,
            Closed = closed,
            // UDP has no tcp_info: its bytes are the tracer's flow counts (source.bytes/destination.bytes) or none.
            ClientBytes = Payload(receiver: server, sender: client, senderCountsSyn: true),
            ServerBytes = Payload(receiver: client, sender: server, senderCountsSyn: false),
        };
    }

    /// <summary>
    /// The server is the end that saw a listener on its port (the agent said ingress). Without that — both ends seen
    /// only closing, or only in a snapshot — the end with the lower port, as people read netstat.
    /// </summary>
    private static bool IsServer(ConnectionEnd candidate, ConnectionEnd other)
    {
        if (candidate.SaidIngress != other.SaidIngress)
        {
            return candidate.SaidIngress;
        }
        if (candidate.SaidEgress != other.SaidEgress)
        {
            return other.SaidEgress;
        }
        return candidate.Local.Port < other.Local.Port;
    }

    /// <summary>
    /// Payload bytes one way. The kernel counts in sequence space: the receiver's <c>bytes_received</c> includes the
    /// peer's FIN once it arrived, the sender's <c>bytes_acked</c> its FIN once acknowledged and, on the client (this
    /// kernel counts the SYN acknowledged by the SYN-ACK), its SYN. The receiver's count is preferred: it is what
    /// actually arrived. A connection closed by a reset sends no FIN, so its count comes out one byte low. An exact
    /// payload from the kernel tracer (either end's) comes before both — for a UDP flow it is the only count: what
    /// the receiving process read, else what the sender sent (a datagram lost between them is in one and not the other).
    /// </summary>
    private static long Payload(ConnectionEnd? receiver, ConnectionEnd? sender, bool senderCountsSyn)
    {
        if (receiver is { PayloadReceived: >= 0 })
        {
            return receiver.PayloadReceived;
        }
        if (sender is { PayloadSent: >= 0 })
        {
            return sender.PayloadSent;
        }
        if (receiver is { BytesReceived: >= 0 })
        {
            return Math.Max(0, receiver.BytesReceived - (receiver.ReceivedFin ? 1 : 0));
        }
        if (sender is { BytesAcked: >= 0 })
        {
            return Math.Max(0, sender.BytesAcked - (senderCountsSyn ? 1 : 0) - (sender.SentFin ? 1 : 0));
        }
        return -1;
    }
}
