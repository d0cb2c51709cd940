using System.Text.Json;
using SocketAgent.Collection;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Tests.Collection.Netlink;

namespace SocketAgent.Tests.Collection.Rtnetlink;

/// <summary>
/// The rtnetlink dumps captured on the reference machine (kernel 6.18) by Fixtures/rtnetlink/capture.py inside a
/// namespace it built, with what <c>ip -N -d -j</c> and /proc/net said about the same namespace (manifest.json).
/// </summary>
internal static class RtnetlinkFixtures
{
    public static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "rtnetlink");
    private static readonly Lazy<JsonDocument> s_manifest = new(() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, "manifest.json"))));

    /// <summary>In the order <see cref="RtnetlinkDumper"/> asks for them, with sequences 1–4 as captured.</summary>
    public static readonly string[] DumpNames = ["links", "addresses", "routes4", "routes6"];

    public static byte[] Dump(string name) => File.ReadAllBytes(Path.Combine(Directory, name + ".bin"));

    public static readonly string ProcNetDirectory = Path.Combine(Directory, "proc-net");

    public static byte[] ProcNet(string file) => File.ReadAllBytes(Path.Combine(ProcNetDirectory, file));

    public static JsonElement Ip(string name) => s_manifest.Value.RootElement.GetProperty(name);

    /// <summary>Replays the four captured dumps through the real dumper and parsers.</summary>
    public static (NetworkState State, RtnetlinkDumper Dumper, CollectionDiagnostics Diagnostics, ReplayTransport Transport) Collect()
    {
        var transport = new ReplayTransport((i, _) => i < DumpNames.Length ? [Dump(DumpNames[i])] : []);
        var diagnostics = new CollectionDiagnostics();
        var dumper = new RtnetlinkDumper(transport, diagnostics);
        return (dumper.Collect(), dumper, diagnostics, transport);
    }
}
