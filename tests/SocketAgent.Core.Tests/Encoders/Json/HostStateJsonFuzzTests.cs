using System.Net;
using System.Net.Sockets;
using CsCheck;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>Whatever routes, links and counters a collector hands over, every line is valid JSON the schema accepts.</summary>
public class HostStateJsonFuzzTests
{
    private static readonly Gen<char> s_nastyChar = Gen.OneOf(
        Gen.Char,
        Gen.Char['\0', '\u001f'],
        Gen.Char['\ud800', '\udfff'],
        Gen.Char['A', 'z'],
        Gen.OneOf<char>('"', '\\', '/', '\u007f', '\u2028', '\ufeff', '_', ' ', '#', '%', '\u00a0', '\u2003', '\u0085'));

    private static readonly Gen<string> s_string = s_nastyChar.Array[0, 24].Select(chars => new string(chars));
    private static readonly Gen<string?> s_optionalString = Gen.OneOf(s_string.Select(s => (string?)s), Gen.Const((string?)null));

    private static readonly Gen<IPAddress> s_address = Gen.OneOf(
        Gen.Byte.Array[4].Select(b => new IPAddress(b)),
        Gen.Byte.Array[16].Select(b => new IPAddress(b)),
        Gen.Byte.Array[16].Select(Gen.UInt[0, 1000], (b, scope) => new IPAddress(b, scope)),
        Gen.OneOf<IPAddress>(IPAddress.Any, IPAddress.IPv6Any, IPAddress.IPv6Loopback, IPAddress.Parse("::ffff:10.1.2.3")));

    private static readonly Gen<IPAddress?> s_optionalAddress = Gen.OneOf(s_address.Select(a => (IPAddress?)a), Gen.Const((IPAddress?)null));

    private static readonly Gen<uint> s_u32 = Gen.OneOf(Gen.UInt, Gen.Const(0u), Gen.Const(uint.MaxValue));
    private static readonly Gen<ulong> s_u64 = Gen.OneOf(Gen.ULong, Gen.Const(0ul), Gen.Const(ulong.MaxValue));

    private static readonly Gen<NetworkNamespace?> s_namespace = Gen.OneOf(
        Gen.Const((NetworkNamespace?)null),
        Gen.Select(Gen.ULong, s_optionalString, s_optionalString, (inode, name, container) =>
            (NetworkNamespace?)new NetworkNamespace { Inode = inode, Name = name, OwnerCgroup = container is null ? null : new CgroupIdentity { ContainerId = container } }));

    private static readonly Gen<RouteNextHop> s_nextHop = Gen.Select(s_optionalAddress, Gen.Int, Gen.Byte, Gen.Byte, s_optionalString,
        (gateway, index, weight, flags, name) => new RouteNextHop(gateway, index, weight, flags) { InterfaceName = name });

    private static readonly Gen<RouteRecord> s_route = Gen.Select(
        Gen.Select(s_address, Gen.Byte, s_optionalAddress, Gen.Byte, s_optionalAddress, Gen.Int, s_optionalString, (d, dl, s, sl, g, oif, name) => (d, dl, s, sl, g, oif, name)),
        Gen.Select(s_optionalAddress, s_u32, s_u32, Gen.Byte, Gen.Byte, Gen.Byte, s_u32, (pref, metric, table, proto, scope, type, flags) => (pref, metric, table: table % 2 == 0 ? table % 8 : table, proto, scope, type, flags)),
        Gen.Select(Gen.Byte, s_u32, s_u32, s_u32, s_u32, s_nextHop.Array[0, 3], Gen.Enum<AddressFamily>(), (tos, mtu, mss, window, rtt, hops, family) => (tos, mtu, mss, window, rtt, hops, family)),
        (a, b, c) => new RouteRecord
        {
            Family = c.family.GetHashCode() % 3 == 0 ? c.family : a.d.AddressFamily,
            Destination = a.d, DestinationPrefixLength = a.dl, Source = a.s, SourcePrefixLength = a.sl, Gateway = a.g,
            OutputInterfaceIndex = a.oif, OutputInterfaceName = a.name, PreferredSource = b.pref, Metric = b.metric, Table = b.table,
            Protocol = b.proto, Scope = b.scope, Type = b.type, Flags = b.flags, Tos = c.tos, Mtu = c.mtu, AdvertisedMss = c.mss,
            Window = c.window, InitialRtt = c.rtt, NextHops = c.hops,
        });

    private static readonly Gen<InterfaceAddress> s_interfaceAddress = Gen.Select(s_address, Gen.Byte, s_optionalAddress, s_optionalAddress, s_optionalString, Gen.Byte, s_u32,
        (address, prefix, broadcast, peer, label, scope, flags) => new InterfaceAddress(address, prefix) { Broadcast = broadcast, Peer = peer, Label = label, Scope = scope, Flags = flags });

    private static readonly Gen<InterfaceCounters> s_counters = s_u64.Array[24].Select(v => new InterfaceCounters
    {
        RxPackets = v[0], TxPackets = v[1], RxBytes = v[2], TxBytes = v[3], RxErrors = v[4], TxErrors = v[5], RxDropped = v[6], TxDropped = v[7],
        Multicast = v[8], Collisions = v[9], RxLengthErrors = v[10], RxOverErrors = v[11], RxCrcErrors = v[12], RxFrameErrors = v[13],
        RxFifoErrors = v[14], RxMissedErrors = v[15], TxAbortedErrors = v[16], TxCarrierErrors = v[17], TxFifoErrors = v[18],
        TxHeartbeatErrors = v[19], TxWindowErrors = v[20], RxCompressed = v[21], TxCompressed = v[22], RxNoHandler = v[23],
    });

    private static readonly Gen<InterfaceRecord> s_interface = Gen.Select(
        Gen.Select(Gen.Int, s_string, s_u32, Gen.Byte, s_u32, Gen.UShort, Gen.Byte.Array[0, 40], (index, name, flags, state, mtu, type, mac) => (index, name, flags, state, mtu, type, mac)),
        Gen.Select(s_optionalString, Gen.Int, Gen.Int, s_optionalString, s_counters, s_interfaceAddress.Array[0, 4], (qdisc, parent, master, kind, counters, addresses) => (qdisc, parent, master, kind, counters, addresses)),
        (a, b) => new InterfaceRecord
        {
            Index = a.index, Name = a.name, Flags = a.flags, OperState = a.state, Mtu = a.mtu, LinkType = a.type, HardwareAddress = a.mac,
            Qdisc = b.qdisc, ParentIndex = b.parent, MasterIndex = b.master, Kind = b.kind, Counters = b.counters, Addresses = b.addresses,
        });

    private static readonly Gen<ProtocolStatistics> s_statistics = Gen.Select(
        s_string, s_string,
        Gen.Select(Gen.OneOf(s_string, Gen.OneOf<string>("MaxConn", "OutTransmits", "InSegs")), Gen.OneOf(Gen.Long, Gen.Const(-1L), Gen.Const(long.MinValue), Gen.Const(long.MaxValue)),
            (name, value) => new KeyValuePair<string, long>(name, value)).Array[0, 12],
        (group, source, counters) => new ProtocolStatistics { Group = group, SourceFile = source, Counters = counters });

    private static readonly Gen<HostIdentity> s_host = s_string.Select(name => new HostIdentity(name.Length == 0 ? "h" : name, name.Length % 2 == 0 ? null : name));

    private static readonly Gen<DateTimeOffset> s_timestamp = Gen.Long[0, DateTimeOffset.MaxValue.UtcTicks].Select(t => new DateTimeOffset(t, TimeSpan.Zero));

    private static readonly Gen<RouteTableNames> s_tables = Gen.OneOf(
        Gen.Const(RouteTableNames.BuiltIn),
        s_string.Array[0, 4].Select(names => RouteTableNames.Parse(string.Join('\n', names.Select((n, i) => $"{i + 1} {n}")))));

    [Fact]
    public void RandomRoutes_WriteSchemaValidLines()
    {
        Gen.Select(s_route.Array[1, 5], s_namespace, s_host, s_timestamp, s_tables).Sample((routes, ns, host, timestamp, tables) =>
        {
            string[] lines = SchemaValidator.AssertValidLines(HostStateJsonLines.WriteBytes(w => w.WriteRoutes(routes, ns, host, timestamp), tables));
            Assert.Equal(routes.Length, lines.Length);
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void RandomInterfaces_WriteSchemaValidLines()
    {
        Gen.Select(s_interface.Array[1, 4], s_namespace, s_host, s_timestamp).Sample((links, ns, host, timestamp) =>
        {
            string[] lines = SchemaValidator.AssertValidLines(HostStateJsonLines.WriteBytes(w => w.WriteInterfaces(links, ns, host, timestamp)));
            Assert.Equal(links.Length, lines.Length);
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void RandomStatistics_WriteSchemaValidLines()
    {
        Gen.Select(s_statistics.Array[1, 4], s_namespace, s_host, s_timestamp).Sample((groups, ns, host, timestamp) =>
        {
            string[] lines = SchemaValidator.AssertValidLines(HostStateJsonLines.WriteBytes(w => w.WriteStatistics(groups, ns, host, timestamp)));
            Assert.Equal(groups.Length, lines.Length);
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void RandomSocketsInRandomNamespaces_WriteSchemaValidLines()
    {
        Gen.Select(s_namespace, Gen.Int[0, TestRecords.All.Count - 1]).Sample((ns, i) =>
        {
            SchemaValidator.AssertValidLines(HostStateJsonLines.WriteBytes(w => w.WriteSnapshot(TestRecords.Snapshot([TestRecords.All[i]]), ns)));
        }, iter: 100, threads: 1);
    }
}
