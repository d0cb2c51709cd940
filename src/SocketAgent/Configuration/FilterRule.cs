using System.Text.RegularExpressions;
using SocketAgent.Model;

namespace SocketAgent.Cli.Configuration;

/// <summary>
/// One include or exclude rule. It matches a socket when every criterion it sets matches (AND); a criterion with
/// several values matches when any does (OR). An empty criterion is not checked.
/// </summary>
internal sealed class FilterRule
{
    /// <summary><c>transports</c>: tcp, udp, raw, unix.</summary>
    public TransportSet Transports { get; set; } = TransportSet.None;

    /// <summary><c>states</c>: socket.state names as printed (LISTEN, ESTABLISHED, TIME_WAIT…; UNIX: LISTENING, CONNECTED…).</summary>
    public IReadOnlyList<string> States { get; set; } = [];

    /// <summary><c>local_ports</c>: ports or ranges (<c>22</c>, <c>8000-8999</c>).</summary>
    public IReadOnlyList<PortRange> LocalPorts { get; set; } = [];

    /// <summary><c>remote_ports</c>: ports or ranges.</summary>
    public IReadOnlyList<PortRange> RemotePorts { get; set; } = [];

    /// <summary><c>processes</c>: process names (process.name, exact).</summary>
    public IReadOnlyList<string> Processes { get; set; } = [];

    /// <summary><c>pids</c>: process ids.</summary>
    public IReadOnlyList<int> Pids { get; set; } = [];

    /// <summary><c>command_lines</c>: regular expressions searched in process.command_line.</summary>
    public IReadOnlyList<Regex> CommandLines { get; set; } = [];

    public bool IsEmpty =>
        Transports == TransportSet.None && States.Count == 0 && LocalPorts.Count == 0 && RemotePorts.Count == 0
        && Processes.Count == 0 && Pids.Count == 0 && CommandLines.Count == 0;
}
