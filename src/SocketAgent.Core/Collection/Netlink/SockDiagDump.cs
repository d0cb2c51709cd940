using SocketAgent.Model;

namespace SocketAgent.Collection.Netlink;

/// <summary>One sock_diag dump request: a (family, protocol) table and the kernel-side filters for it.</summary>
internal readonly record struct SockDiagDump(byte Family, byte Protocol, Transport Transport, byte Extensions, uint States)
{
    /// <summary>A short name for diagnostics: <c>tcp</c>, <c>udp6</c>, <c>raw</c>, <c>unix</c>…</summary>
    public string Name => Family switch
    {
        SockDiag.AF_INET6 => Transport.ToEcsName() + "6",
        _ => Transport.ToEcsName(),
    };

    /// <summary>The dumps that answer <paramref name="query"/>, in netstat's order (TCP, UDP, raw, UNIX; v4 before v6).</summary>
    public static List<SockDiagDump> For(SocketQuery query)
    {
        var dumps = new List<SockDiagDump>(7);
        AddInet(dumps, query, Transport.Tcp, SockDiag.IPPROTO_TCP);
        AddInet(dumps, query, Transport.Udp, SockDiag.IPPROTO_UDP);
        // Raw diag is asked for with IPPROTO_RAW and a zero sdiag_raw_protocol, which matches every raw socket.
        AddInet(dumps, query, Transport.Raw, SockDiag.IPPROTO_RAW);

        if (query.Wants(Transport.Unix))
        {
            uint states = query.ListeningOnly ? SockDiag.StateMask(KernelSocketState.Listen) : SockDiag.AllStates;
            dumps.Add(new SockDiagDump(SockDiag.AF_UNIX, 0, Transport.Unix, 0, states));
        }

        return dumps;
    }

    private static void AddInet(List<SockDiagDump> dumps, SocketQuery query, Transport transport, byte protocol)
    {
        if (!query.Wants(transport))
        {
            return;
        }

        // netstat -l: TCP listeners, and UDP/raw sockets that are not connected (TCP_CLOSE).
        uint states = !query.ListeningOnly ? SockDiag.AllStates
            : transport == Transport.Tcp ? SockDiag.StateMask(KernelSocketState.Listen)
            : SockDiag.StateMask(KernelSocketState.Close);

        if (transport == Transport.Tcp)
        {
            states = query.TcpStates(states);
        }

        byte extensions = transport == Transport.Tcp && query.IncludeTcpInfo ? SockDiag.ExtensionBit(SockDiag.INET_DIAG_INFO) : (byte)0;

        if ((query.Families & IpFamilySet.IPv4) != 0)
        {
            dumps.Add(new SockDiagDump(SockDiag.AF_INET, protocol, transport, extensions, states));
        }

        if ((query.Families & IpFamilySet.IPv6) != 0)
        {
            dumps.Add(new SockDiagDump(SockDiag.AF_INET6, protocol, transport, extensions, states));
        }
    }
}
