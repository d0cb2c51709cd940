using System.Buffers;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>
/// Runs the link, address and route dumps over one transport and joins the answers: addresses onto their
/// interfaces, interface names onto routes and next hops. Separate from <see cref="RtnetlinkCollector"/> so
/// tests can drive it with captured or synthetic datagrams.
/// </summary>
internal sealed class RtnetlinkDumper : INetlinkMessageConsumer
{
    /// <summary>How many times a dump flagged NLM_F_DUMP_INTR is run in all before its last answer is kept.</summary>
    public const int MaxDumpAttempts = 3;

    private readonly INetlinkTransport _transport;
    private readonly CollectionDiagnostics _diagnostics;
    private readonly IPAddressCache _addressCache = new();
    private readonly List<InterfaceRecord> _links = [];
    private readonly List<(int Index, InterfaceAddress Address)> _addresses = [];
    private readonly List<RouteRecord> _routes = [];
    private uint _sequence;
    private RtnetlinkDump _current;

    public RtnetlinkDumper(INetlinkTransport transport, CollectionDiagnostics diagnostics, uint firstSequence = 1)
    {
        _transport = transport;
        _diagnostics = diagnostics;
        _sequence = firstSequence;
    }

    /// <summary>Dumps that completed, and dumps the kernel refused or cut short.</summary>
    public int SucceededDumps { get; private set; }
    public int FailedDumps { get; private set; }

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

    /// <summary>Runs one dump, redoing it while the kernel reports it interrupted, at most <see cref="MaxDumpAttempts"/> times.</summary>
    internal void Run(RtnetlinkDump dump, byte[] buffer)
    {
        Span<byte> request = stackalloc byte[RtnetlinkRequest.MaxLength];
        _current = dump;

        for (int attempt = 1; ; attempt++)
        {
            uint sequence = _sequence++;
            int length = RtnetlinkRequest.WriteDump(request, dump.RequestType, dump.Family, sequence);
            (int links, int addresses, int routes) = (_links.Count, _addresses.Count, _routes.Count);

            NetlinkDumpResult result = NetlinkDumpReader.Run(_transport, request[..length], sequence, buffer, this);
            if (result.MalformedDatagrams > 0)
            {
                _diagnostics.Count(RtnetlinkCounters.DatagramsMalformed, result.MalformedDatagrams);
            }

            if (result.ForeignMessages > 0)
            {
                _diagnostics.Count(RtnetlinkCounters.MessagesForeign, result.ForeignMessages);
            }

            if (result.Error != 0)
            {
                // What arrived before the error is kept: those are real objects.
                FailedDumps++;
                _diagnostics.Count(RtnetlinkCounters.DumpFailedPrefix + dump.Name);
                _diagnostics.WarnOnce(
                    RtnetlinkCounters.DumpFailedPrefix + dump.Name,
                    $"rtnetlink: the kernel refused the {dump.Name} dump ({new System.ComponentModel.Win32Exception(result.Error).Message}, errno {result.Error}); it is not listed.");
                return;
            }

            if (result.Truncated)
            {
                FailedDumps++;
                _diagnostics.Count(RtnetlinkCounters.DumpTruncated);
                _diagnostics.Warn($"rtnetlink: the {dump.Name} dump ended without NLMSG_DONE; its list may be incomplete.");
                return;
            }

            if (!result.Interrupted)
            {
                SucceededDumps++;
                return;
            }

            if (attempt >= MaxDumpAttempts)
            {
                // The tables keep changing under us: an almost-consistent list beats none.
                SucceededDumps++;
                _diagnostics.Count(RtnetlinkCounters.DumpInterrupted);
                return;
            }

            _diagnostics.Count(RtnetlinkCounters.DumpRetried);
            _links.RemoveRange(links, _links.Count - links);
            _addresses.RemoveRange(addresses, _addresses.Count - addresses);
            _routes.RemoveRange(routes, _routes.Count - routes);
        }
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
