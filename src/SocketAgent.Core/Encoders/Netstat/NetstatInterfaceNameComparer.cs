namespace SocketAgent.Encoders.Netstat;

/// <summary>
/// net-tools' <c>nstrcmp</c>: interface names compare by their text before a trailing number, then by that number,
/// then by an alias suffix (<c>eth0:12</c>), so <c>eth2</c> sorts before <c>eth10</c>. netstat keeps its interface
/// list sorted this way, and names it finds equal are one entry, so this is ported rule for rule (ASCII digits only,
/// as in the C locale), quirks included.
/// </summary>
internal static class NetstatInterfaceNameComparer
{
    public static int Compare(string a, string b)
    {
        ReadOnlySpan<char> aName = CutAlias(a, out int aAlias);
        ReadOnlySpan<char> bName = CutAlias(b, out int bAlias);
        int aIndex = IndexAfterLastNonDigit(aName);
        int bIndex = IndexAfterLastNonDigit(bName);
        int common = Math.Min(aIndex, bIndex);
        int result = aName[..common].SequenceCompareTo(bName[..common]);
        if (result != 0)
        {
            return Math.Sign(result);
        }
        if (aIndex != bIndex)
        {
            return aIndex > bIndex ? 1 : -1;
        }

        int aNumber = Atoi(aName[aIndex..]);
        int bNumber = Atoi(bName[bIndex..]);
        if (aNumber != bNumber)
        {
            return aNumber < bNumber ? -1 : 1;
        }
        return aAlias.CompareTo(bAlias);
    }

    // "eth0:12" → "eth0" and 12; a name without a ":digits" suffix has alias -1.
    private static ReadOnlySpan<char> CutAlias(string name, out int alias)
    {
        bool digit = false;
        for (int pos = name.Length; pos > 0; pos--)
        {
            char c = name[pos - 1];
            if (c == ':' && digit)
            {
                alias = Atoi(name.AsSpan(pos));
                return name.AsSpan(0, pos - 1);
            }
            if (!char.IsAsciiDigit(c))
            {
                break;
            }
            digit = true;
        }
        alias = -1;
        return name;
    }

    private static int IndexAfterLastNonDigit(ReadOnlySpan<char> name)
    {
        for (int pos = name.Length; pos > 0; pos--)
        {
            if (!char.IsAsciiDigit(name[pos - 1]))
            {
                return pos;
            }
        }
        return 0;
    }

    // atoi: leading digits, wrapping like C int arithmetic instead of throwing on absurd lengths.
    private static int Atoi(ReadOnlySpan<char> digits)
    {
        int value = 0;
        foreach (char c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                break;
            }
            value = unchecked((value * 10) + (c - '0'));
        }
        return value;
    }
}
