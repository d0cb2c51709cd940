namespace SocketAgent.Cli.Configuration;

/// <summary>A port (<c>22</c>) or an inclusive range (<c>8000-8999</c>) in a filter.</summary>
internal readonly record struct PortRange(int First, int Last)
{
    public bool Contains(int port) => (uint)(port - First) <= (uint)(Last - First);

    public static bool TryParse(ReadOnlySpan<char> text, out PortRange range)
    {
        range = default;
        int dash = text.IndexOf('-');
        ReadOnlySpan<char> first = dash < 0 ? text : text[..dash];
        ReadOnlySpan<char> last = dash < 0 ? text : text[(dash + 1)..];
        if (!TryParsePort(first.Trim(), out int low) || !TryParsePort(last.Trim(), out int high) || low > high)
        {
            return false;
        }
        range = new PortRange(low, high);
        return true;
    }

    public override string ToString() => First == Last ? First.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{First}-{Last}";

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) && port <= 65535;
}
