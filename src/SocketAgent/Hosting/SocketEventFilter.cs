using System.Net;
using SocketAgent.Cli.Configuration;
using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// The <c>filters.*</c> settings applied to socket events: a non-empty <c>include</c> rule keeps only what it
/// matches, <c>exclude</c> drops what it matches, <c>drop_loopback</c> drops connections whose peer is a loopback
/// address (loopback chatter). Route and interface events are not filtered.
/// </summary>
internal sealed class SocketEventFilter
{
    private readonly FilterOptions _options;

    public SocketEventFilter(FilterOptions options) => _options = options;

    /// <summary>Counts events dropped by the filters (heartbeat).</summary>
    public long Dropped { get; private set; }

    public bool Keep(SocketEvent e)
    {
        bool keep = (_options.Include.IsEmpty || Matches(_options.Include, e))
            && (_options.Exclude.IsEmpty || !Matches(_options.Exclude, e))
            && !(_options.DropLoopback && IsLoopbackChatter(e.Socket));
        if (!keep)
        {
            Dropped++;
        }
        return keep;
    }

    private static bool IsLoopbackChatter(SocketRecord socket) =>
        socket.Transport != Transport.Unix && socket.RemoteAddress is IPAddress remote && socket.RemotePort != 0
        && IPAddress.IsLoopback(remote);

    internal static bool Matches(FilterRule rule, SocketEvent e)
    {
        SocketRecord socket = e.Socket;
        if (rule.Transports != TransportSet.None && (rule.Transports & socket.Transport.ToSet()) == 0)
        {
            return false;
        }
        if (rule.States.Count > 0)
        {
            string state = SocketStateNames.Netstat(socket.Transport, socket.State);
            if (!rule.States.Any(s => string.Equals(s, state, StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }
        }
        if (rule.LocalPorts.Count > 0 && !rule.LocalPorts.Any(r => r.Contains(socket.LocalPort)))
        {
            return false;
        }
        if (rule.RemotePorts.Count > 0 && !rule.RemotePorts.Any(r => r.Contains(socket.RemotePort)))
        {
            return false;
        }
        if (rule.Processes.Count > 0 && !e.Owners.Any(p => rule.Processes.Contains(p.Name, StringComparer.Ordinal)))
        {
            return false;
        }
        if (rule.Pids.Count > 0 && !e.Owners.Any(p => rule.Pids.Contains(p.Pid)))
        {
            return false;
        }
        if (rule.CommandLines.Count > 0 && !e.Owners.Any(p => rule.CommandLines.Any(r => r.IsMatch(p.CommandLine))))
        {
            return false;
        }
        return true;
    }
}
