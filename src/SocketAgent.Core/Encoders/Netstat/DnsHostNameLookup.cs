using System.Net;
using System.Net.Sockets;

namespace SocketAgent.Encoders.Netstat;

/// <summary>
/// Reverse lookups through the system resolver (glibc <c>getnameinfo</c> under <see cref="Dns"/>: /etc/hosts first,
/// then DNS, as nsswitch.conf says), the same path netstat's <c>gethostbyaddr</c>/<c>getnameinfo</c> take. An
/// IPv4-mapped IPv6 address is looked up as such, as netstat does for tcp6 rows, so it rarely finds a name.
/// </summary>
internal sealed class DnsHostNameLookup : IHostNameLookup
{
    public static readonly DnsHostNameLookup Instance = new();

    private DnsHostNameLookup()
    {
    }

    public async Task<string?> LookupAsync(IPAddress address, CancellationToken cancellationToken)
    {
        try
        {
            // GetHostEntryAsync(IPAddress) takes no token; the caller bounds the wait instead.
            IPHostEntry entry = await Dns.GetHostEntryAsync(address).WaitAsync(cancellationToken).ConfigureAwait(false);
            return string.IsNullOrEmpty(entry.HostName) ? null : entry.HostName;
        }
        catch (SocketException)
        {
            // No PTR record / not in /etc/hosts: netstat prints the number.
            return null;
        }
        catch (ArgumentException)
        {
            // Dns refuses 0.0.0.0 and ::; the writer never asks for them, but a caller might.
            return null;
        }
    }
}
