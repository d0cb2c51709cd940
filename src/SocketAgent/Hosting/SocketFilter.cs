using System.Net;
using SocketAgent.Cli.Configuration;
using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// The <c>filters.*</c> settings applied to sockets — the daemon's socket events and <c>--once</c>'s lines alike:
/// a non-empty <c>include</c> rule keeps only what it matches, <c>exclude</c> drops what it matches,
/// <c>drop_loopback</c> drops connections whose peer is a loopback address (loopback chatter). Route and interface
/// lines are not filtered.
/// </summary>
internal sealed class SocketFilter
{
    private readonly FilterOptions _options;

    public SocketFilter(FilterOptions options) => _options = options;

    /// <summary>Counts sockets or events dropped by the filters (heartbeat).</summary>
    public long Dropped { get; private set; }

    /// <summary>True when nothing can be dropped (no rule): callers skip the per-socket work.</summary>
    public bool KeepsAll => _options.Include.IsEmpty && _options.Exclude.IsEmpty && !_options.DropLoopback;

    public bool Keep(SocketEvent e) => Keep(e.Socket, e.Owners);

    /// <param name="socket">The socket.</param>
    /// <param name="owners">The processes holding it.</param>
    public bool Keep(SocketRecord socket, IReadOnlyList<ProcessInfo> owners)
    {
        bool keep = (_options.Include.IsEmpty || Matches(_options.Include, socket, owners))
            && (_options.Exclude.IsEmpty || !Matches(_options.Exclude, socket, owners))
            && !(_options.DropLoopback && IsLoopbackChatter(socket));
        if (!keep)
        {
            Dropped++;
        }
        return keep;
    }

    private static bool IsLoopbackChatter(SocketRecord socket) =>
        socket.Transport != Transport.Unix && socket.RemoteAddress is IPAddress remote && socket.RemotePort != 0
        && IPAddress.IsLoopback(remote);

    internal static bool Matches(FilterRule rule, SocketEvent e) => Matches(rule, e.Socket, e.Owners);

    internal static bool Matches(FilterRule rule, SocketRecord socket, IReadOnlyList<ProcessInfo> owners)
    {
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
        if (rule.Processes.Count > 0 && !owners.Any(p => rule.Processes.Contains(p.Name, StringComparer.Ordinal)))
        {
            return false;
        }
        if (rule.Pids.Count > 0 && !owners.Any(p => rule.Pids.Contains(p.Pid)))
        {
            return false;
        }
        if (rule.CommandLines.Count > 0 && !owners.Any(p => rule.CommandLines.Any(r => r.IsMatch(p.CommandLine))))
        {
            return false;
        }
        return true;
    }
}
