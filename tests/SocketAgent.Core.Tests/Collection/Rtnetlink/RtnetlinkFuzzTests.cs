using CsCheck;
using SocketAgent.Collection;
using SocketAgent.Collection.Netlink;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Model;
using SocketAgent.Tests.Collection.Netlink;

namespace SocketAgent.Tests.Collection.Rtnetlink;

/// <summary>Random, truncated and corrupted input never throws and never hangs: bad records are skipped and counted.</summary>
public class RtnetlinkFuzzTests
{
    private const long Iterations = 1_500;

    private static readonly Gen<byte[]> s_bytes = Gen.Byte.Array[0, 2048];

    /// <summary>A captured dump cut short and with one byte changed.</summary>
    private static Gen<byte[]> Mutated(Func<string, byte[]> load, string[] names) =>
        Gen.Int[0, names.Length - 1].SelectMany(n => Gen.Int[0, 8192].SelectMany(cut => Gen.Int[0, 8192].SelectMany(pos => Gen.Byte.Select(value =>
        {
            byte[] data = load(names[n]);
            data = data[..Math.Min(cut + 16, data.Length)];
            data[pos % data.Length] = value;
            return data;
        }))));

    private static readonly Gen<byte[]> s_dumps = Gen.Frequency((1, s_bytes), (3, Mutated(RtnetlinkFixtures.Dump, RtnetlinkFixtures.DumpNames)));

    private static readonly Gen<byte[]> s_procFiles = Gen.Frequency(
        (1, s_bytes),
        (1, Gen.Char["0123456789abcdefABCDEF :|*\n\t"].Array[0, 512].Select(c => System.Text.Encoding.ASCII.GetBytes(c))),
        (3, Mutated(RtnetlinkFixtures.ProcNet, ["route", "ipv6_route", "dev", "if_inet6"])));

    /// <summary>Every message payload of a datagram, and the raw bytes as one payload too.</summary>
    private static IEnumerable<byte[]> Payloads(byte[] datagram)
    {
        yield return datagram;
        var reader = new NetlinkMessageReader(datagram);
        var payloads = new List<byte[]>();
        while (reader.TryRead(out NetlinkMessage message))
        {
            payloads.Add(message.Payload.ToArray());
        }

        foreach (byte[] payload in payloads)
        {
            yield return payload;
        }
    }

    [Fact]
    public void MessageParsers_NeverThrow() =>
        s_dumps.Sample(bytes =>
        {
            var cache = new IPAddressCache();
            foreach (byte[] payload in Payloads(bytes))
            {
                var link = LinkMessageParser.Parse(payload, out InterfaceRecord? record);
                Assert.Equal(link == RtnetlinkParseResult.Parsed, record is not null);
                var address = AddressMessageParser.Parse(payload, cache, out _, out InterfaceAddress? a);
                Assert.Equal(address == RtnetlinkParseResult.Parsed, a is not null);
                var route = RouteMessageParser.Parse(payload, cache, out RouteRecord? r);
                Assert.Equal(route == RtnetlinkParseResult.Parsed, r is not null);
                LinkStatsParser.Parse(payload);
            }
        }, iter: Iterations);

    [Fact]
    public void Dumper_OnCorruptedCaptures_NeverThrowsAndCountsWhatItSkips() =>
        Gen.Int[0, 3].SelectMany(which => s_dumps.Select(bytes => (which, bytes))).Sample(t =>
        {
            var diagnostics = new CollectionDiagnostics();
            var transport = new ReplayTransport((i, _) => i == t.which ? [t.bytes] : i < 4 ? [RtnetlinkFixtures.Dump(RtnetlinkFixtures.DumpNames[i])] : []);
            var dumper = new RtnetlinkDumper(transport, diagnostics);
            NetworkState state = dumper.Collect();
            Assert.True(state.Interfaces.Count <= 5);
            Assert.True(transport.Requests.Count <= 4 * NetlinkDumpRunner.MaxDumpAttempts);
        }, iter: 300);

    [Fact]
    public void ProcParsers_NeverThrow() =>
        s_procFiles.Sample(bytes =>
        {
            var indexes = new Dictionary<string, int> { ["v0"] = 2 };
            var routes = new List<RouteRecord>();
            ProcNetRouteParser.Parse(bytes, indexes, routes);
            ProcNetIpv6RouteParser.Parse(bytes, indexes, routes);
            ProcNetDevParser.Parse(bytes, []);
            ProcNetIfInet6Parser.Parse(bytes, []);
            Assert.All(routes, r => Assert.True(r.DestinationPrefixLength <= 128));
        }, iter: Iterations);
}
