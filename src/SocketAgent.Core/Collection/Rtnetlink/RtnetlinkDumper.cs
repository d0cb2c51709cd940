using System.Buffers;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>
/// Runs the link, address and route dumps over one transport (<see cref="NetlinkDumpRunner"/>) and joins the answers:
/// addresses onto their interfaces, interface names onto routes and next hops. Separate from
/// <see cref="RtnetlinkCollector"/> so tests can drive it with captured or synthetic datagrams.
/// </summary>
internal sealed class RtnetlinkDumper : INetlinkDump
{
    private readonly NetlinkDumpRunner _runner;
    private readonly CollectionDiagnostics _diagnostics;
    private readonly IPAddressCache _addressCache = new();
    private readonly List<InterfaceRecord> _links = [];
    private readonly List<(int Index, InterfaceAddress Address)> _addresses = [];
    private readonly List<RouteRecord> _routes = [];
    private RtnetlinkDump _current;
    private (int Links, int Addresses, int Routes) _attemptStart;

    public RtnetlinkDumper(INetlinkTransport transport, CollectionDiagnostics diagnostics, uint firstSequence = 1)
    {
        _runner = new NetlinkDumpRunner(transport, diagnostics, "rtnetlink", RtnetlinkCounters.DumpFailedPrefix, firstSequence);
        _diagnostics = diagnostics;
    }

    /// <summary>Dumps that completed, and dumps the kernel refused or cut short.</summary>
    public int SucceededDumps => _runner.SucceededDumps;
    public int FailedDumps => _runner.FailedDumps;

    public NetworkState Collect()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(NetlinkDumpReader.BufferSize);
        try
        {
            Run(RtnetlinkDump.Links, buffer);
            Run(RtnetlinkDump.Addresses, buffer);
            Run(RtnetlinkDump.Routes4, buffer);
            Run(RtnetlinkDump.Routes6, buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Join();
    }

    /// <summary>Runs one dump, redoing it while the kernel reports it interrupted.</summary>
    internal void Run(RtnetlinkDump dump, byte[] buffer)
    {
        _current = dump;
        int error = _runner.Run(this, dump.Name, buffer);
        if (error != 0)
        {
            _diagnostics.WarnOnce(
                RtnetlinkCounters.DumpFailedPrefix + dump.Name,
                $"rtnetlink: the kernel refused the {dump.Name} dump ({new System.ComponentModel.Win32Exception(error).Message}, errno {error}); it is not listed.");
        }
    }

    int INetlinkDump.WriteRequest(Span<byte> destination, uint sequence) =>
        RtnetlinkRequest.WriteDump(destination, _current.RequestType, _current.Family, sequence);

    void INetlinkDump.BeginAttempt() => _attemptStart = (_links.Count, _addresses.Count, _routes.Count);

    void INetlinkDump.DiscardAttempt()
    {
        _links.RemoveRange(_attemptStart.Links, _links.Count - _attemptStart.Links);
        _addresses.RemoveRange(_attemptStart.Addresses, _addresses.Count - _attemptStart.Addresses);
        _routes.RemoveRange(_attemptStart.Routes, _routes.Count - _attemptStart.Routes);
    }

    void INetlinkMessageConsumer.OnMessage(ushort type, ReadOnlySpan<byte> payload)
    {
        if (type != _current.ReplyType)
        {
            _diagnostics.Count(RtnetlinkCounters.MessagesUnexpected);
            return;
        }

        RtnetlinkParseResult result;
        switch (type)
        {
            case RtnetlinkProtocol.RTM_NEWLINK:
                result = LinkMessageParser.Parse(payload, out InterfaceRecord? link);
                if (result == RtnetlinkParseResult.Parsed)
                {
                    _links.Add(link!);
                }
                break;

            case RtnetlinkProtocol.RTM_NEWADDR:
                result = AddressMessageParser.Parse(payload, _addressCache, out int index, out InterfaceAddress? address);
                if (result == RtnetlinkParseResult.Parsed)
                {
                    _addresses.Add((index, address!));
                }
                break;

            default:
                result = RouteMessageParser.Parse(payload, _addressCache, out RouteRecord? route);
                if (result == RtnetlinkParseResult.Parsed)
                {
                    _routes.Add(route!);
                }
                break;
        }

        if (result == RtnetlinkParseResult.Malformed)
        {
            _diagnostics.Count(RtnetlinkCounters.RecordsMalformed);
        }
    }

    private NetworkState Join()
    {
        var byIndex = new Dictionary<int, InterfaceRecord>(_links.Count);
        var interfaces = new List<InterfaceRecord>(_links.Count);
        foreach (InterfaceRecord link in _links)
        {
            // A link listed twice (only possible in a dump that stayed interrupted) is kept once.
            if (byIndex.TryAdd(link.Index, link))
            {
                interfaces.Add(link);
            }
        }

        var addressLists = new Dictionary<int, List<InterfaceAddress>>();
        foreach ((int index, InterfaceAddress address) in _addresses)
        {
            if (!byIndex.ContainsKey(index))
            {
                _diagnostics.Count(RtnetlinkCounters.AddressesOrphaned);
                continue;
            }

            if (!addressLists.TryGetValue(index, out List<InterfaceAddress>? list))
            {
                addressLists.Add(index, list = []);
            }
            list.Add(address);
        }

        foreach ((int index, List<InterfaceAddress> list) in addressLists)
        {
            byIndex[index].Addresses = list;
        }

        foreach (RouteRecord route in _routes)
        {
            route.OutputInterfaceName = NameOf(byIndex, route.OutputInterfaceIndex);
            foreach (RouteNextHop hop in route.NextHops)
            {
                hop.InterfaceName = NameOf(byIndex, hop.InterfaceIndex);
            }
        }

        return new NetworkState { Interfaces = interfaces, Routes = [.. _routes], Source = "netlink" };
    }

    private static string? NameOf(Dictionary<int, InterfaceRecord> byIndex, int index) =>
        index > 0 && byIndex.TryGetValue(index, out InterfaceRecord? link) ? link.Name : null;
}
