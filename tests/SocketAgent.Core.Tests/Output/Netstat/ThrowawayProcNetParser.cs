using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Tests.Output.Netstat;

// =====================================================================================================================
// THROWAWAY TEST-ONLY PARSER. The real /proc/net parser (Collection/Procfs) is written in parallel by another helper;
// the lead will switch these tests to it. Kept minimal on purpose: it reads well-formed kernel text and nothing else.
// =====================================================================================================================
internal static class ThrowawayProcNetParser
{
    /// <summary>Parses /proc/net/{tcp,tcp6,udp,udp6,raw,raw6} text.</summary>
    public static List<SocketRecord> ParseInet(string text, Transport transport, AddressFamily family)
    {
        var records = new List<SocketRecord>();
        foreach (string line in text.Split('\n').Skip(1))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10)
            {
                continue;
            }
            (IPAddress local, int localPort) = Endpoint(f[1]);
            (IPAddress remote, int remotePort) = Endpoint(f[2]);
            string[] queues = f[4].Split(':');
            records.Add(new SocketRecord
            {
                Transport = transport,
                Family = family,
                State = (KernelSocketState)byte.Parse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                LocalAddress = local,
                LocalPort = localPort,
                RemoteAddress = remote,
                RemotePort = remotePort,
                SendQueue = ulong.Parse(queues[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                RecvQueue = ulong.Parse(queues[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                Uid = uint.Parse(f[7], CultureInfo.InvariantCulture),
                Inode = ulong.Parse(f[9], CultureInfo.InvariantCulture),
                RawProtocol = transport == Transport.Raw ? localPort : 0,
            });
        }
        return records;
    }

    private static (IPAddress Address, int Port) Endpoint(string text)
    {
        string[] parts = text.Split(':');
        string hex = parts[0];
        var bytes = new byte[hex.Length / 2];
        // Each 32-bit word is the network-order value printed as a host-order (little-endian) integer.
        for (int w = 0; w < hex.Length / 8; w++)
        {
            uint word = uint.Parse(hex.AsSpan(w * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(w * 4), word);
        }
        var address = new IPAddress(bytes);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4(); // the model normalises mapped addresses
        }
        return (address, int.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    /// <summary>Parses /proc/net/unix text.</summary>
    public static List<SocketRecord> ParseUnix(string text)
    {
        var records = new List<SocketRecord>();
        foreach (string line in text.Split('\n').Skip(1))
        {
            string[] f = line.Split(' ', 8, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 7)
            {
                continue;
            }
            uint flags = uint.Parse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            int ss = int.Parse(f[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            KernelSocketState state = ss switch
            {
                1 when (flags & 0x10000) != 0 => KernelSocketState.Listen,
                1 => KernelSocketState.Close,
                2 => KernelSocketState.SynSent,
                3 => KernelSocketState.Established,
                4 => KernelSocketState.CloseWait,
                _ => KernelSocketState.Unknown,
            };
            records.Add(new SocketRecord
            {
                Transport = Transport.Unix,
                Family = AddressFamily.Unix,
                State = state,
                UnixRefCount = int.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                UnixFlags = flags,
                UnixType = (UnixSocketType)byte.Parse(f[4], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                Inode = ulong.Parse(f[6], CultureInfo.InvariantCulture),
                UnixPath = f.Length > 7 ? f[7] : null,
            });
        }
        return records;
    }

    /// <summary>Reads the seven files (named <c>{prefix}tcp</c> … <c>{prefix}unix</c>) in netstat's order.</summary>
    public static List<SocketRecord> ReadAll(Func<string, string> readFile)
    {
        var all = new List<SocketRecord>();
        all.AddRange(ParseInet(readFile("tcp"), Transport.Tcp, AddressFamily.InterNetwork));
        all.AddRange(ParseInet(readFile("tcp6"), Transport.Tcp, AddressFamily.InterNetworkV6));
        all.AddRange(ParseInet(readFile("udp"), Transport.Udp, AddressFamily.InterNetwork));
        all.AddRange(ParseInet(readFile("udp6"), Transport.Udp, AddressFamily.InterNetworkV6));
        all.AddRange(ParseInet(readFile("raw"), Transport.Raw, AddressFamily.InterNetwork));
        all.AddRange(ParseInet(readFile("raw6"), Transport.Raw, AddressFamily.InterNetworkV6));
        all.AddRange(ParseUnix(readFile("unix")));
        return all;
    }
}
