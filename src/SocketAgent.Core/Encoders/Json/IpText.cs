using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Writes IP addresses and CIDR prefixes as JSON strings straight from a stack buffer: routes and interface
/// addresses are many, and <see cref="IPAddress.ToString"/> would allocate a string per address.
/// </summary>
internal static class IpText
{
    // Longest IPv6 text with a scope (45 + '%' + 10 digits) plus "/128".
    private const int MaxLength = 64;

    public static void WriteAddress(Utf8JsonWriter writer, JsonEncodedText name, IPAddress address)
    {
        Span<char> buffer = stackalloc char[MaxLength];
        writer.WriteString(name, buffer[..Format(address, buffer)]);
    }

    public static void WriteAddressValue(Utf8JsonWriter writer, IPAddress address)
    {
        Span<char> buffer = stackalloc char[MaxLength];
        writer.WriteStringValue(buffer[..Format(address, buffer)]);
    }

    public static void WriteCidr(Utf8JsonWriter writer, JsonEncodedText name, IPAddress address, int prefixLength)
    {
        Span<char> buffer = stackalloc char[MaxLength];
        writer.WriteString(name, buffer[..FormatCidr(address, prefixLength, buffer)]);
    }

    public static void WriteCidrValue(Utf8JsonWriter writer, IPAddress address, int prefixLength)
    {
        Span<char> buffer = stackalloc char[MaxLength];
        writer.WriteStringValue(buffer[..FormatCidr(address, prefixLength, buffer)]);
    }

    /// <summary>
    /// Formats the address of a socket's end as UTF-8: no address is netstat's <c>*</c>, the wildcard of the socket's
    /// family; an IPv4-mapped address is written as the IPv4 address it is (sources normalise these already: this
    /// keeps the promise if one does not); an IPv6 scope is left out (the scope is <c>socket.interface.index</c>).
    /// </summary>
    /// <returns>The number of bytes written; <paramref name="destination"/> holds at least 46 bytes.</returns>
    public static int FormatEndpoint(IPAddress? address, AddressFamily family, Span<byte> destination)
    {
        if (address is null)
        {
            ReadOnlySpan<byte> wildcard = family == AddressFamily.InterNetworkV6 ? "::"u8 : "0.0.0.0"u8;
            wildcard.CopyTo(destination);
            return wildcard.Length;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            int length = 0;
            for (int i = 12; i < 16; i++)
            {
                if (i > 12)
                {
                    destination[length++] = (byte)'.';
                }
                bytes[i].TryFormat(destination[length..], out int written, default, System.Globalization.CultureInfo.InvariantCulture);
                length += written;
            }
            return length;
        }

        bool ok = address.TryFormat(destination, out int total);
        System.Diagnostics.Debug.Assert(ok);
        int percent = destination[..total].IndexOf((byte)'%');
        return percent >= 0 ? percent : total;
    }

    private static int FormatCidr(IPAddress address, int prefixLength, Span<char> buffer)
    {
        int length = Format(address, buffer);
        // A prefix longer than the address can only come from a broken source; clamp so the text stays a CIDR.
        int max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        buffer[length++] = '/';
        ((uint)Math.Clamp(prefixLength, 0, max)).TryFormat(buffer[length..], out int written, provider: System.Globalization.CultureInfo.InvariantCulture);
        return length + written;
    }

    private static int Format(IPAddress address, Span<char> buffer)
    {
        // IPv4-mapped addresses stay as ip prints them: in a route or interface address they are IPv6 prefixes.
        bool ok = address.TryFormat(buffer, out int written);
        System.Diagnostics.Debug.Assert(ok);
        // ECS ip fields and CIDRs take no "%scope" suffix; the interface says where the address lives.
        int percent = buffer[..written].IndexOf('%');
        return percent >= 0 ? percent : written;
    }
}
