using System.Net.Sockets;
using System.Text;
using SocketAgent.Collection;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Tests.Encoders.Netstat;

/// <summary>
/// Reads captured /proc/net files through the real procfs parsers, in netstat's order (tcp, tcp6, udp, udp6,
/// raw, raw6, unix), so the netstat writer is checked against exactly what the product parses.
/// </summary>
internal static class ProcNetFixture
{
    public static List<SocketRecord> ReadAll(Func<string, string> readFile)
    {
        var all = new List<SocketRecord>();
        var diagnostics = new CollectionDiagnostics();
        Inet("tcp", Transport.Tcp, AddressFamily.InterNetwork);
        Inet("tcp6", Transport.Tcp, AddressFamily.InterNetworkV6);
        Inet("udp", Transport.Udp, AddressFamily.InterNetwork);
        Inet("udp6", Transport.Udp, AddressFamily.InterNetworkV6);
        Inet("raw", Transport.Raw, AddressFamily.InterNetwork);
        Inet("raw6", Transport.Raw, AddressFamily.InterNetworkV6);
        ProcNetUnixParser.Parse(Encoding.UTF8.GetBytes(readFile("unix")), listeningOnly: false, all, diagnostics);
        Assert.Equal(0, diagnostics.Get(ProcfsCounters.LinesMalformed));
        return all;

        void Inet(string name, Transport transport, AddressFamily family) =>
            ProcNetInetParser.Parse(Encoding.UTF8.GetBytes(readFile(name)), transport, family, listeningOnly: false, all, diagnostics);
    }

    /// <summary>The live tables, read by the product's procfs source.</summary>
    public static List<SocketRecord> ReadLive() =>
        [.. new ProcfsSocketSource().Collect(SocketQuery.All with { IncludeTcpInfo = false }, new CollectionDiagnostics())];
}
