using System.Globalization;

namespace SocketAgent.Encoders.Netstat;

/// <summary>
/// Network names for <c>netstat -r</c>'s Destination column: netstat names a network route's destination with
/// <c>getnetbyaddr</c>, which (nsswitch <c>networks: files</c>, the usual and the only source glibc still serves)
/// reads /etc/networks. Lines are <c>name number [aliases]</c>; the number is parsed like <c>inet_network</c>
/// (<c>127</c>, <c>127.0</c> and <c>127.0.0.0</c> are different networks) and must match exactly.
/// </summary>
internal sealed class NetstatRouteNetworkNames
{
    public const string DefaultPath = "/etc/networks";

    public static readonly NetstatRouteNetworkNames Empty = new(new Dictionary<uint, string>());

    private readonly Dictionary<uint, string> _names;

    private NetstatRouteNetworkNames(Dictionary<uint, string> names) => _names = names;

    /// <summary>Reads <paramref name="path"/>; a missing or unreadable file gives no names, as with netstat.</summary>
    public static NetstatRouteNetworkNames Load(string path = DefaultPath)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Empty;
        }
    }

    public static NetstatRouteNetworkNames Parse(string text)
    {
        var names = new Dictionary<uint, string>();
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine;
            int comment = line.IndexOf('#');
            if (comment >= 0)
            {
                line = line[..comment];
            }
            string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && TryParseNetwork(fields[1], out uint network))
            {
                names.TryAdd(network, fields[0]); // getnetbyaddr answers the first matching line
            }
        }
        return new NetstatRouteNetworkNames(names);
    }

    /// <summary>The name of the network whose number (host byte order) is <paramref name="network"/>, or null.</summary>
    public string? Lookup(uint network) => _names.GetValueOrDefault(network);

    // inet_network: up to four dot-separated parts, each decimal (or 0x hex / 0 octal), packed 8 bits apart.
    private static bool TryParseNetwork(string text, out uint network)
    {
        network = 0;
        string[] parts = text.Split('.');
        if (parts.Length is 0 or > 4)
        {
            return false;
        }
        foreach (string part in parts)
        {
            if (!TryParsePart(part, out uint value) || value > 255)
            {
                return false;
            }
            network = (network << 8) | value;
        }
        return true;
    }

    private static bool TryParsePart(string part, out uint value)
    {
        if (part.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return uint.TryParse(part.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }
        if (part.Length > 1 && part[0] == '0')
        {
            value = 0;
            foreach (char c in part.AsSpan(1))
            {
                if (c is < '0' or > '7' || value > 255)
                {
                    return false;
                }
                value = (value * 8) + (uint)(c - '0');
            }
            return true;
        }
        return uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
