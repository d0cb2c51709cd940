using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SocketAgent.Encoders.Netstat;

/// <summary>
/// Address and <c>address:port</c> text exactly as net-tools prints it: glibc <c>inet_ntop</c> for IPv6 (which
/// differs from <see cref="IPAddress.ToString"/> for some embedded-IPv4 forms), IPv4-mapped addresses shown as plain
/// IPv4 (<c>fix_v4_address</c>), and <c>addr_do_one</c>'s cut of long endpoints.
/// </summary>
internal static class NetstatAddressText
{
    /// <summary><c>addr_do_one</c>'s <c>short_len</c>: address plus port (colon not counted) above this is cut.</summary>
    public const int ShortLength = 22;

    /// <summary>
    /// Joins host and port as netstat does. Unless <paramref name="wide"/>, when both exceed 22 characters the port
    /// keeps up to 18 and the host is cut to what is left, so the column stays 23 wide and the port stays readable.
    /// </summary>
    public static string Endpoint(string host, string port, bool wide)
    {
        if (wide || host.Length + port.Length <= ShortLength)
        {
            return string.Concat(host, ":", port);
        }
        int portLength = Math.Min(port.Length, ShortLength - 4);
        int hostLength = Math.Min(host.Length, ShortLength - portLength);
        return string.Concat(host.AsSpan(0, hostLength), ":", port.AsSpan(0, portLength));
    }

    /// <summary>
    /// The numeric form netstat prints for an address of a socket of <paramref name="socketFamily"/>: dotted IPv4 for
    /// IPv4 sockets and for IPv4-mapped addresses of IPv6 sockets, glibc's <c>inet_ntop</c> otherwise.
    /// </summary>
    public static string Numeric(IPAddress address, AddressFamily socketFamily)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return address.ToString();
        }
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return InetNtop6(bytes);
    }

    /// <summary>True for 0.0.0.0, :: and a missing address.</summary>
    public static bool IsUnspecified(IPAddress? address) =>
        address is null || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    /// <summary>
    /// glibc's <c>inet_ntop6</c>: the longest run (first on a tie) of two or more zero groups becomes <c>::</c>;
    /// <c>::a.b.c.d</c> and <c>::ffff:a.b.c.d</c> keep the dotted tail; groups are lowercase hex.
    /// </summary>
    public static string InetNtop6(ReadOnlySpan<byte> address)
    {
        Span<ushort> words = stackalloc ushort[8];
        for (int i = 0; i < 8; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt16BigEndian(address.Slice(i * 2, 2));
        }

        int bestBase = -1, bestLength = 0, currentBase = -1, currentLength = 0;
        for (int i = 0; i < 8; i++)
        {
            if (words[i] == 0)
            {
                if (currentBase == -1)
                {
                    currentBase = i;
                    currentLength = 1;
                }
                else
                {
                    currentLength++;
                }
            }
            else if (currentBase != -1)
            {
                if (bestBase == -1 || currentLength > bestLength)
                {
                    (bestBase, bestLength) = (currentBase, currentLength);
                }
                currentBase = -1;
            }
        }
        if (currentBase != -1 && (bestBase == -1 || currentLength > bestLength))
        {
            (bestBase, bestLength) = (currentBase, currentLength);
        }
        if (bestBase != -1 && bestLength < 2)
        {
            bestBase = -1;
        }

        var text = new StringBuilder(46);
        for (int i = 0; i < 8; i++)
        {
            if (bestBase != -1 && i >= bestBase && i < bestBase + bestLength)
            {
                if (i == bestBase)
                {
                    text.Append(':');
                }
                continue;
            }
            if (i != 0)
            {
                text.Append(':');
            }
            if (i == 6 && bestBase == 0 && (bestLength == 6 || (bestLength == 5 && words[5] == 0xffff)))
            {
                text.Append(address[12]).Append('.').Append(address[13]).Append('.').Append(address[14]).Append('.').Append(address[15]);
                return text.ToString();
            }
            text.Append(words[i].ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        }
        if (bestBase != -1 && bestBase + bestLength == 8)
        {
            text.Append(':');
        }
        return text.ToString();
    }
}
