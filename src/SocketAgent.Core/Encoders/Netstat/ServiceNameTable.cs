using SocketAgent.Model;

namespace SocketAgent.Encoders.Netstat;

/// <summary>
/// Port → service name for netstat's non-numeric output, read from /etc/services (tcp and udp entries) and, for raw
/// sockets whose "port" is the IP protocol, /etc/protocols. We parse the files ourselves, once, rather than call
/// <c>getservbyport</c> per row. Duplicates resolve as netstat resolves them: it prepends every entry to a list and
/// takes the first match, so the last line for a port wins, and /etc/protocols wins over <c>raw</c> services.
/// </summary>
internal sealed class ServiceNameTable
{
    public const string DefaultServicesPath = "/etc/services";
    public const string DefaultProtocolsPath = "/etc/protocols";

    public static readonly ServiceNameTable Empty = new();

    private readonly Dictionary<int, string> _tcp = [];
    private readonly Dictionary<int, string> _udp = [];
    private readonly Dictionary<int, string> _raw = [];

    private ServiceNameTable()
    {
    }

    public int Count => _tcp.Count + _udp.Count + _raw.Count;

    /// <summary>The name netstat prints for <paramref name="port"/> of <paramref name="transport"/>, or null.</summary>
    public string? Lookup(int port, Transport transport)
    {
        Dictionary<int, string>? table = transport switch
        {
            Transport.Tcp => _tcp,
            Transport.Udp => _udp,
            Transport.Raw => _raw,
            _ => null,
        };
        return table is not null && table.TryGetValue(port, out string? name) ? name : null;
    }

    /// <summary>Reads both files; a missing or unreadable file just contributes no names.</summary>
    public static ServiceNameTable Load(string servicesPath = DefaultServicesPath, string protocolsPath = DefaultProtocolsPath) =>
        Parse(TryRead(servicesPath), TryRead(protocolsPath));

    /// <summary>Builds the table from the text of /etc/services and /etc/protocols (either may be null).</summary>
    public static ServiceNameTable Parse(string? servicesText, string? protocolsText)
    {
        var table = new ServiceNameTable();
        if (servicesText is not null)
        {
            foreach (ReadOnlySpan<char> line in servicesText.AsSpan().EnumerateLines())
            {
                table.AddService(line);
            }
        }
        if (protocolsText is not null)
        {
            foreach (ReadOnlySpan<char> line in protocolsText.AsSpan().EnumerateLines())
            {
                table.AddProtocol(line);
            }
        }
        return table;
    }

    // "name  port/proto  [aliases...]  [# comment]"
    private void AddService(ReadOnlySpan<char> line)
    {
        if (!TrySplitFirstTwo(line, out ReadOnlySpan<char> name, out ReadOnlySpan<char> second))
        {
            return;
        }
        int slash = second.IndexOf('/');
        if (slash <= 0 || !TryParsePort(second[..slash], out int port))
        {
            return;
        }
        Dictionary<int, string>? table = second[(slash + 1)..] switch
        {
            "tcp" => _tcp,
            "udp" => _udp,
            "raw" => _raw,
            _ => null, // sctp, ddp, dccp: netstat drops them too
        };
        if (table is not null)
        {
            table[port] = name.ToString();
        }
    }

    // "name  number  [aliases...]  [# comment]"
    private void AddProtocol(ReadOnlySpan<char> line)
    {
        if (TrySplitFirstTwo(line, out ReadOnlySpan<char> name, out ReadOnlySpan<char> second) && TryParsePort(second, out int number))
        {
            _raw[number] = name.ToString();
        }
    }

    private static bool TrySplitFirstTwo(ReadOnlySpan<char> line, out ReadOnlySpan<char> first, out ReadOnlySpan<char> second)
    {
        first = second = default;
        int hash = line.IndexOf('#');
        if (hash >= 0)
        {
            line = line[..hash];
        }
        line = line.TrimStart();
        int end = line.IndexOfAny(' ', '\t');
        if (end <= 0)
        {
            return false;
        }
        first = line[..end];
        line = line[end..].TrimStart();
        end = line.IndexOfAny(' ', '\t');
        second = end < 0 ? line.TrimEnd() : line[..end];
        return !second.IsEmpty;
    }

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) &&
        port <= ushort.MaxValue;

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
