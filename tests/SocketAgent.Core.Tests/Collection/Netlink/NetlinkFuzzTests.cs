using CsCheck;
using SocketAgent.Collection;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Netlink;

/// <summary>Random, truncated and oversized input never throws and never hangs: bad records are skipped.</summary>
public class NetlinkFuzzTests
{
    private const long Iterations = 2_000;

    private static readonly Gen<byte[]> s_bytes = Gen.Byte.Array[0, 4096];

    /// <summary>Real captured messages, cut or corrupted at random: closer to plausible input than pure noise.</summary>
    private static readonly Gen<byte[]> s_mutatedCapture =
        Gen.Int[0, 3].Select(i => new[] { "tcp4", "tcp6", "udp4", "unix" }[i])
            .SelectMany(name => Gen.Int[0, 4096].SelectMany(cut => Gen.Int[0, 4096].SelectMany(pos => Gen.Byte.Select(value =>
            {
                byte[] data = NetlinkFixtures.Dump(name);
                data = data[..Math.Min(cut + 16, data.Length)];
                if (data.Length > 0)
                {
                    data[pos % data.Length] = value;
                }
                return data;
            }))));

    private static readonly Gen<byte[]> s_input = Gen.Frequency((1, s_bytes), (3, s_mutatedCapture));

    [Fact]
    public void InetParser_NeverThrows() =>
        s_input.Sample(bytes =>
        {
            var cache = new IPAddressCache();
            foreach (Transport transport in new[] { Transport.Tcp, Transport.Udp, Transport.Raw })
            {
                InetDiagMessageParser.TryParse(bytes, transport, cache, out _);
                if (bytes.Length > 16)
                {
                    InetDiagMessageParser.TryParse(bytes.AsSpan(16), transport, cache, out _);
                }
            }
        }, iter: Iterations);

    [Fact]
    public void UnixParser_NeverThrows() =>
        s_input.Sample(bytes =>
        {
            UnixDiagMessageParser.TryParse(bytes, out _);
            if (bytes.Length > 16)
            {
                UnixDiagMessageParser.TryParse(bytes.AsSpan(16), out _);
            }
        }, iter: Iterations);

    [Fact]
    public void TcpInfoParser_NeverThrows() =>
        s_bytes.Sample(bytes => { TcpInfoParser.Parse(bytes); }, iter: Iterations);

    [Fact]
    public void MessageAndAttributeReaders_TerminateWithinBounds() =>
        s_input.Sample(bytes =>
        {
            var messages = new NetlinkMessageReader(bytes);
            int count = 0;
            while (messages.TryRead(out NetlinkMessage message))
            {
                Assert.True(++count <= bytes.Length / NetlinkProtocol.HeaderSize);
                var attributes = new NetlinkAttributeReader(message.Payload);
                int attributeCount = 0;
                while (attributes.TryRead(out _, out ReadOnlySpan<byte> value))
                {
                    Assert.True(++attributeCount <= message.Payload.Length / 4);
                    Assert.True(value.Length <= message.Payload.Length);
                }
            }
        }, iter: Iterations);

    [Fact]
    public void Collector_OverRandomDatagrams_NeverThrows() =>
        Gen.Select(s_input, s_input).Sample((first, second) =>
        {
            var transport = new ReplayTransport((_, _) => [first, second]);
            var collector = new SockDiagCollector(transport, new CollectionDiagnostics());
            collector.Collect(SocketQuery.All);
            Assert.InRange(transport.Requests.Count, 7, 7 * NetlinkDumpRunner.MaxDumpAttempts);
        }, iter: Iterations / 4);
}
