using SocketAgent.Collection;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;
using System.Net.Sockets;

namespace SocketAgent.Tests.Collection.Procfs;

/// <summary>
/// Files captured from this machine (kernel 6.18) by Fixtures/procfs/capture.py while known sockets were open;
/// capture.log lists their inodes and ports.
/// </summary>
internal static class ProcfsFixtures
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "procfs");

    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(Directory, name));

    public static List<SocketRecord> ParseInet(string name, Transport transport, AddressFamily family, bool listeningOnly = false)
    {
        var results = new List<SocketRecord>();
        var diagnostics = new CollectionDiagnostics();
        int malformed = ProcNetInetParser.Parse(Read(name), transport, family, listeningOnly, results, diagnostics);
        Assert.Equal(0, malformed);
        Assert.Empty(diagnostics.Counters);
        return results;
    }

    public static List<SocketRecord> ParseUnix(string name, bool listeningOnly = false)
    {
        var results = new List<SocketRecord>();
        var diagnostics = new CollectionDiagnostics();
        Assert.Equal(0, ProcNetUnixParser.Parse(Read(name), listeningOnly, results, diagnostics));
        Assert.Empty(diagnostics.Counters);
        return results;
    }
}
