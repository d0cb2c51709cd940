using System.Text.Json;

namespace SocketAgent.Tests.Collection.Netlink;

/// <summary>
/// Destroy and rtnetlink notification datagrams captured on the reference machine (kernel 6.18) by
/// Fixtures/destroy/capture.py, and its manifest.json (cookies, ports, bytes sent).
/// </summary>
internal static class SockDiagDestroyFixtures
{
    private static readonly string s_directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "destroy");
    private static readonly Lazy<JsonDocument> s_manifest = new(() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(s_directory, "manifest.json"))));

    public static readonly string[] DestroyNames = ["tcp4", "tcp6", "udp4", "udp6"];

    public static byte[] Datagram(string name) => File.ReadAllBytes(Path.Combine(s_directory, name + ".bin"));

    public static JsonElement Manifest(string name) => s_manifest.Value.RootElement.GetProperty(name);

    /// <summary>rtnl.bin: the captured rtnetlink notification datagrams, each stored behind its u32 length.</summary>
    public static List<byte[]> RtnetlinkDatagrams()
    {
        byte[] all = File.ReadAllBytes(Path.Combine(s_directory, "rtnl.bin"));
        var datagrams = new List<byte[]>();
        for (int i = 0; i + 4 <= all.Length;)
        {
            int length = BitConverter.ToInt32(all, i);
            datagrams.Add(all[(i + 4)..(i + 4 + length)]);
            i += 4 + length;
        }
        return datagrams;
    }
}
