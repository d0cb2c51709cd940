using System.Text.Json;
using SocketAgent.Collection.Netlink;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Netlink;

/// <summary>
/// The sock_diag dumps captured on the reference machine (kernel 6.18) by Fixtures/netlink/capture.py, and
/// its manifest.json of the sockets that were open then (inode, cookie, addresses).
/// </summary>
internal static class NetlinkFixtures
{
    private static readonly string s_directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "netlink");
    private static readonly Lazy<JsonDocument> s_manifest = new(() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(s_directory, "manifest.json"))));

    public static byte[] Dump(string name) => File.ReadAllBytes(Path.Combine(s_directory, name + ".bin"));

    public static uint Sequence(string dump) =>
        s_manifest.Value.RootElement.GetProperty("dumps").GetProperty(dump).GetProperty("sequence").GetUInt32();

    public static JsonElement Socket(string name) => s_manifest.Value.RootElement.GetProperty("sockets").GetProperty(name);

    public static ulong Inode(string name) => Socket(name).GetProperty("inode").GetUInt64();

    public static ulong Cookie(string name) => Socket(name).GetProperty("cookie").GetUInt64();

    public static int LocalPort(string name) => Socket(name).GetProperty("local")[1].GetInt32();

    /// <summary>Replays a captured dump through the real reader and parsers.</summary>
    public static (List<SocketRecord> Records, NetlinkDumpResult Result, CollectionDiagnosticsProbe Probe) Parse(string dump, Transport transport)
    {
        var consumer = new RecordingConsumer(transport);
        NetlinkDumpResult result = NetlinkDumpReader.Run(
            ReplayTransport.Always(Dump(dump)), [], Sequence(dump), new byte[NetlinkDumpReader.BufferSize], consumer);
        return (consumer.Records, result, new CollectionDiagnosticsProbe(consumer.Malformed));
    }

    internal readonly record struct CollectionDiagnosticsProbe(int Malformed);

    private sealed class RecordingConsumer(Transport transport) : INetlinkMessageConsumer
    {
        private readonly IPAddressCache _addresses = new();

        public List<SocketRecord> Records { get; } = [];
        public int Malformed { get; private set; }

        public void OnMessage(ushort type, ReadOnlySpan<byte> payload)
        {
            SocketRecord? record;
            bool ok = transport == Transport.Unix
                ? UnixDiagMessageParser.TryParse(payload, out record)
                : InetDiagMessageParser.TryParse(payload, transport, _addresses, out record);
            if (ok)
            {
                Records.Add(record!);
            }
            else
            {
                Malformed++;
            }
        }
    }
}
