using System.Globalization;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Routing table id → the name <c>ip route</c> prints (<c>route.table</c>): the reserved names (255 <c>local</c>,
/// 254 <c>main</c>, 253 <c>default</c>, 0 <c>unspec</c>), plus the administrator's names from
/// <c>/etc/iproute2/rt_tables</c> when loaded; any other table prints as its number. Immutable once built.
/// </summary>
public sealed class RouteTableNames
{
    /// <summary>The file iproute2 reads; distributions that ship it under /usr/share keep a copy or an override here.</summary>
    public const string SystemPath = "/etc/iproute2/rt_tables";

    private const string VendorPath = "/usr/share/iproute2/rt_tables";
    private const string DropInDirectory = "/etc/iproute2/rt_tables.d";

    // Bounds memory should the file be huge or hostile; real files name a handful of tables.
    private const int MaxNames = 4096;

    private static readonly string[] s_smallNumbers = CreateSmallNumbers();

    private readonly Dictionary<uint, string> _names;

    /// <summary>Only the names iproute2 has built in.</summary>
    public static RouteTableNames BuiltIn { get; } = new(CreateBuiltIns());

    private RouteTableNames(Dictionary<uint, string> names) => _names = names;

    /// <summary>The name of <paramref name="table"/> (cached strings: no allocation per route).</summary>
    public string GetName(uint table)
    {
        if (_names.TryGetValue(table, out string? name))
        {
            return name;
        }
        return table < (uint)s_smallNumbers.Length ? s_smallNumbers[table] : table.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The built-ins plus the names of <c>rt_tables</c>-format text (<c>ID NAME</c> per line, <c>#</c> comments;
    /// IDs may be hex as <c>0x…</c>). Malformed lines are skipped, as iproute2 does; later lines win.
    /// </summary>
    public static RouteTableNames Parse(params ReadOnlySpan<string> texts)
    {
        Dictionary<uint, string> names = CreateBuiltIns();
        foreach (string text in texts)
        {
            AddNames(names, text);
        }
        return new RouteTableNames(names);
    }

    /// <summary>
    /// The names of this machine: <see cref="SystemPath"/> (or the vendor copy under /usr/share/iproute2 when it is
    /// missing) and <c>/etc/iproute2/rt_tables.d/*.conf</c>; the built-ins when none can be read.
    /// </summary>
    public static RouteTableNames LoadSystem() => Load(SystemPath, VendorPath, DropInDirectory);

    internal static RouteTableNames Load(string path, string vendorPath, string dropInDirectory)
    {
        var texts = new List<string>();
        string? main = TryRead(path) ?? TryRead(vendorPath);
        if (main is not null)
        {
            texts.Add(main);
        }
        try
        {
            if (Directory.Exists(dropInDirectory))
            {
                string[] files = Directory.GetFiles(dropInDirectory, "*.conf");
                Array.Sort(files, StringComparer.Ordinal);
                foreach (string file in files)
                {
                    if (TryRead(file) is string text)
                    {
                        texts.Add(text);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Names are cosmetic: numbers are printed instead.
        }
        return Parse(texts.ToArray());
    }

    private static string? TryRead(string path)
    {
        try
        {
            var info = new FileInfo(path);
            // A names file is a few hundred bytes; refuse anything absurd rather than read it.
            return info.Exists && info.Length <= 1 << 20 ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void AddNames(Dictionary<uint, string> names, string text)
    {
        foreach (ReadOnlySpan<char> rawLine in text.AsSpan().EnumerateLines())
        {
            ReadOnlySpan<char> line = rawLine.Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }
            int split = IndexOfSeparator(line);
            if (split <= 0)
            {
                continue;
            }
            ReadOnlySpan<char> idText = line[..split];
            ReadOnlySpan<char> name = line[split..].TrimStart();
            // A name is one word, as iproute2's sscanf("%s") reads it: so route.table never holds a blank or a '#'.
            int end = IndexOfSeparator(name);
            if (end >= 0)
            {
                name = name[..end];
            }
            bool parsed = idText.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? uint.TryParse(idText[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint id)
                : uint.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out id);
            if (parsed && !name.IsEmpty && (names.Count < MaxNames || names.ContainsKey(id)))
            {
                names[id] = name.ToString();
            }
        }
    }

    private static int IndexOfSeparator(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]) || text[i] == '#')
            {
                return i;
            }
        }
        return -1;
    }

    private static Dictionary<uint, string> CreateBuiltIns() => new()
    {
        [0] = "unspec",
        [253] = "default",
        [254] = "main",
        [255] = "local",
    };

    private static string[] CreateSmallNumbers()
    {
        var numbers = new string[1024];
        for (int i = 0; i < numbers.Length; i++)
        {
            numbers[i] = i.ToString(CultureInfo.InvariantCulture);
        }
        return numbers;
    }
}
