using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// <c>http.listen</c> / <c>--http-listen</c>: <c>PORT</c> (on 127.0.0.1: an operations port is private unless the
/// operator says otherwise), <c>IPV4:PORT</c> or <c>[IPV6]:PORT</c>; empty turns the endpoint off. Addresses only,
/// no host names: what the agent binds must not depend on a resolver at start.
/// </summary>
internal static class HttpListenAddress
{
    public const string Expected = "a port (on 127.0.0.1), or ADDRESS:PORT such as 127.0.0.1:9464, 0.0.0.0:9464 or [::1]:9464 (port 1-65535); empty: off";

    /// <summary>The port the documentation and <c>socket-agent healthcheck</c> use by default.</summary>
    public const int DefaultPort = 9464;

    /// <returns>False when <paramref name="text"/> is not one of the accepted forms; an empty text is off (null).</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out IPEndPoint? endpoint)
    {
        endpoint = null;
        if (text.IsEmpty)
        {
            return true;
        }
        int colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            if (!TryParsePort(text, out int bare))
            {
                return false;
            }
            endpoint = new IPEndPoint(IPAddress.Loopback, bare);
            return true;
        }

        ReadOnlySpan<char> host = text[..colon];
        if (!TryParsePort(text[(colon + 1)..], out int port))
        {
            return false;
        }
        IPAddress? address;
        if (host.Length > 2 && host[0] == '[' && host[^1] == ']')
        {
            // [::1]: IPv6 needs its brackets here, or its own colons would be read as the port's.
            if (!IPAddress.TryParse(host[1..^1], out address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }
        }
        else if (!IPAddress.TryParse(host, out address) || address.AddressFamily != AddressFamily.InterNetwork || host.Count('.') != 3)
        {
            // IPAddress.TryParse also takes "1" or "1.2" (inet_aton's shorthands): only the dotted quad is meant.
            return false;
        }
        endpoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>The setting's text for an endpoint: <c>127.0.0.1:9464</c>, <c>[::1]:9464</c>; empty when off.</summary>
    public static string Format(IPEndPoint? endpoint) => endpoint?.ToString() ?? string.Empty;

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;
}
