using System.Net;
using System.Net.Sockets;
using SocketAgent.Collection;
using SocketAgent.Collection.Procfs;
using SocketAgent.Model;

namespace SocketAgent.Tests.Collection.Procfs;

/// <summary>
/// A netstat -tuwxanW row reduced to what both sides can say; used to check that our parse of a moment's
/// /proc/net tables agrees with what netstat read from them.
/// </summary>
internal readonly record struct NetstatRow(string Proto, string RecvQ, string SendQ, string Local, string Foreign, string State);

internal static class NetstatView
{
    private static readonly (string File, string Proto, Transport Transport, AddressFamily Family)[] s_inetTables =
    [
        ("tcp", "tcp", Transport.Tcp, AddressFamily.InterNetwork),
        ("tcp6", "tcp6", Transport.Tcp, AddressFamily.InterNetworkV6),
        ("udp", "udp", Transport.Udp, AddressFamily.InterNetwork),
        ("udp6", "udp6", Transport.Udp, AddressFamily.InterNetworkV6),
        ("raw", "raw", Transport.Raw, AddressFamily.InterNetwork),
        ("raw6", "raw6", Transport.Raw, AddressFamily.InterNetworkV6),
    ];

    /// <summary>Parses each table of <paramref name="directory"/> and renders rows as netstat -n would.</summary>
    public static List<(NetstatRow Row, SocketRecord Record)> FromTables(string directory)
    {
        var rows = new List<(NetstatRow, SocketRecord)>();
        foreach ((string file, string proto, Transport transport, AddressFamily family) in s_inetTables)
        {
            var records = new List<SocketRecord>();
            ProcNetInetParser.Parse(File.ReadAllBytes(Path.Combine(directory, file)), transport, family, false, records, new CollectionDiagnostics());
            foreach (SocketRecord r in records)
            {
                rows.Add((new NetstatRow(
                    proto,
                    r.RecvQueue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    r.SendQueue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Endpoint(r.LocalAddress!, r.LocalPort),
                    Endpoint(r.RemoteAddress!, r.RemotePort),
                    SocketStateNames.Netstat(transport, r.State)), r));
            }
        }

        var unix = new List<SocketRecord>();
        ProcNetUnixParser.Parse(File.ReadAllBytes(Path.Combine(directory, "unix")), false, unix, new CollectionDiagnostics());
        foreach (SocketRecord r in unix)
        {
            rows.Add((UnixRow(r), r));
        }
        return rows;
    }

    /// <summary>A UNIX socket as a row: type in RecvQ, inode in SendQ, path's first word (netstat reads it with %s).</summary>
    public static NetstatRow UnixRow(SocketRecord r) => new(
        "unix",
        r.UnixType.ToString().ToUpperInvariant(),
        r.Inode.ToString(System.Globalization.CultureInfo.InvariantCulture),
        r.UnixPath?.Split(' ')[0] ?? string.Empty,
        (r.UnixFlags & ProcNetUnixParser.AcceptConnectionsFlag) != 0 ? "[ ACC ]" : "[ ]",
        SocketStateNames.Netstat(Transport.Unix, r.State));

    /// <summary>Parses the rows of <c>netstat -tuwxanW</c> output.</summary>
    public static List<NetstatRow> ParseNetstat(string output)
    {
        var rows = new List<NetstatRow>();
        foreach (string line in output.Split('\n'))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0)
            {
                continue;
            }
            if (f[0] is "tcp" or "tcp6" or "udp" or "udp6" or "raw" or "raw6")
            {
                rows.Add(new NetstatRow(f[0], f[1], f[2], f[3], f[4], f.Length > 5 ? f[5] : string.Empty));
            }
            else if (f[0] == "unix")
            {
                // unix  2      [ ACC ]     STREAM     LISTENING     11866    @name    (State may be blank)
                int close = Array.IndexOf(f, "]");
                string flags = string.Join(' ', f[2..(close + 1)]);
                string type = f[close + 1];
                int next = close + 2;
                string state = string.Empty;
                if (!ulong.TryParse(f[next], out _))
                {
                    state = f[next++];
                }
                string inode = f[next++];
                string path = next < f.Length ? f[next] : string.Empty;
                rows.Add(new NetstatRow("unix", type, inode, path, flags, state));
            }
        }
        return rows;
    }

    private static string Endpoint(IPAddress address, int port) =>
        address + ":" + (port == 0 ? "*" : port.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
