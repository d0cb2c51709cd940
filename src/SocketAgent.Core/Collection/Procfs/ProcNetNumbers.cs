namespace SocketAgent.Collection.Procfs;

/// <summary>
/// Strict number parsing of /proc/net fields straight from UTF-8 bytes: no sign, no whitespace, no prefix,
/// bounded digit counts so overflow is impossible. Faster than the general parsers and never allocates.
/// </summary>
internal static class ProcNetNumbers
{
    /// <summary>Parses 1–8 hex digits (the kernel prints <c>%08X</c>, <c>%04X</c>, <c>%02X</c>).</summary>
    public static bool TryParseHex(ReadOnlySpan<byte> text, out uint value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 8)
        {
            return false;
        }

        uint result = 0;
        foreach (byte b in text)
        {
            int digit = HexDigit(b);
            if (digit < 0)
            {
                return false;
            }
            result = (result << 4) | (uint)digit;
        }
        value = result;
        return true;
    }

    /// <summary>Parses 1–20 decimal digits into a u64, rejecting overflow.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 20)
        {
            return false;
        }

        ulong result = 0;
        foreach (byte b in text)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }
            // Only a 20-digit number can overflow; checking every step keeps the loop simple.
            if (result > (ulong.MaxValue - digit) / 10)
            {
                return false;
            }
            result = result * 10 + digit;
        }
        value = result;
        return true;
    }

    /// <summary>Parses 1–10 decimal digits that must fit a u32 (uid).</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> text, out uint value)
    {
        if (text.Length <= 10 && TryParseDecimal(text, out ulong wide) && wide <= uint.MaxValue)
        {
            value = (uint)wide;
            return true;
        }
        value = 0;
        return false;
    }

    private static int HexDigit(byte b)
    {
        uint d = (uint)(b - '0');
        if (d <= 9)
        {
            return (int)d;
        }
        // Fold to lower case: the kernel prints upper case, but accepting both costs nothing.
        d = (uint)((b | 0x20) - 'a');
        return d <= 5 ? (int)d + 10 : -1;
    }
}
