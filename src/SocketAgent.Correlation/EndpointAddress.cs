using System.Buffers.Text;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace SocketAgent.Correlation;

/// <summary>
/// An IP address and port held in 24 bytes, parsed from the agent's text once, so two ends can be compared ("do they
/// mirror?") without strings. IPv4 is kept as IPv4 (the agent reports IPv4-mapped peers as IPv4 already).
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal readonly record struct EndpointAddress(ulong High, ulong Low, ushort Port, bool IsV6)
{
    public bool IsEmpty => !IsV6 && High == 0 && Low == 0 && Port == 0;

    public static bool TryParseIp(ReadOnlySpan<byte> utf8, out ulong high, out ulong low, out bool isV6)
    {
        high = low = 0;
        isV6 = false;
        if (TryParseV4(utf8, out uint v4))
        {
            low = v4;
            return true;
        }

        // IPv6 is rarer: let IPAddress parse it (one small allocation), then keep only the 16 bytes.
        Span<char> chars = stackalloc char[64];
        if (utf8.Length > chars.Length)
        {
            return false;
        }
        int count = Encoding.ASCII.GetChars(utf8, chars);
        if (!IPAddress.TryParse(chars[..count], out IPAddress? address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        high = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        low = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        isV6 = true;
        return true;
    }

    private static bool TryParseV4(ReadOnlySpan<byte> utf8, out uint value)
    {
        value = 0;
        for (int part = 0; part < 4; part++)
        {
            if (!Utf8Parser.TryParse(utf8, out byte octet, out int consumed) || consumed == 0)
            {
                return false;
            }
            value = (value << 8) | octet;
            utf8 = utf8[consumed..];
            if (part < 3)
            {
                if (utf8.IsEmpty || utf8[0] != (byte)'.')
                {
                    return false;
                }
                utf8 = utf8[1..];
            }
        }
        return utf8.IsEmpty;
    }

    /// <summary>The address as the agent prints it (dotted quad, or RFC 5952 IPv6).</summary>
    public string FormatIp()
    {
        if (!IsV6)
        {
            uint v = (uint)Low;
            return $"{v >> 24}.{(v >> 16) & 0xFF}.{(v >> 8) & 0xFF}.{v & 0xFF}";
        }
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, High);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Low);
        return new IPAddress(bytes).ToString();
    }

    /// <summary>Writes the address into <paramref name="destination"/> (ASCII); IPv4 without allocating.</summary>
    public int FormatIp(Span<byte> destination)
    {
        if (IsV6)
        {
            return Encoding.ASCII.GetBytes(FormatIp(), destination);
        }
        uint v = (uint)Low;
        int written = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            Utf8Formatter.TryFormat((v >> shift) & 0xFF, destination[written..], out int n);
            written += n;
            if (shift > 0)
            {
                destination[written++] = (byte)'.';
            }
        }
        return written;
    }

    public override string ToString() => IsV6 ? $"[{FormatIp()}]:{Port}" : $"{FormatIp()}:{Port}";
}
