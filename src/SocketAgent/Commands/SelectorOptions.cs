using System.CommandLine;
using SocketAgent.Collection;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Model;

namespace SocketAgent.Cli.Commands;

/// <summary>netstat's socket selectors, shared by <c>--once</c> and <c>netstat</c> so muscle memory carries over.</summary>
internal sealed class SelectorOptions
{
    public Option<bool> Tcp { get; } = new("--tcp", "-t") { Description = "TCP sockets. Example: socket-agent --once -t" };
    public Option<bool> Udp { get; } = new("--udp", "-u") { Description = "UDP sockets. Example: socket-agent --once -u" };
    public Option<bool> Raw { get; } = new("--raw", "-w") { Description = "Raw IP sockets. Example: socket-agent --once -w" };
    public Option<bool> Unix { get; } = new("--unix", "-x") { Description = "UNIX domain sockets. Example: socket-agent --once -x" };
    public Option<bool> Listening { get; } = new("--listening", "-l") { Description = "Only listening sockets (TCP LISTEN, unconnected UDP/raw, UNIX listeners). Example: socket-agent --once -tl" };
    public Option<bool> AllSockets { get; } = new("--all", "-a") { Description = "Listening and non-listening sockets. Example: socket-agent netstat -ta" };
    public Option<bool> IPv4 { get; } = new("-4", "--inet") { Description = "Only IPv4 sockets. Example: socket-agent --once -4t" };
    public Option<bool> IPv6 { get; } = new("-6", "--inet6") { Description = "Only IPv6 sockets. Example: socket-agent --once -6t" };

    public Option<bool> Interfaces { get; } = new("--interfaces", "-i") { Description = "Interfaces: addresses, MTU, state, counters (netstat -i). Example: socket-agent --once -i | jq ." };
    public Option<bool> Routes { get; } = new("--route", "-r") { Description = "Routing tables, IPv4 and IPv6, every table (netstat -r). Example: socket-agent --once -r | jq ." };
    public Option<bool> Statistics { get; } = new("--statistics", "-s") { Description = "Protocol counters from /proc/net/snmp, netstat and snmp6 (netstat -s). Example: socket-agent --once -s" };

    public Option<NetworkNamespaceSelection> Netns { get; } = new("--netns")
    {
        Description = "Network namespaces to collect: host (the agent's own), all (every namespace of /proc/*/ns/net and /run/netns), or a path (/run/netns/NAME, /proc/PID/ns/net). Example: socket-agent --once --netns all",
        HelpName = "host|all|PATH",
        DefaultValueFactory = _ => NetworkNamespaceSelection.Host,
        CustomParser = static result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (text.Length == 0)
            {
                result.AddError("--netns needs a value: host, all or a path");
                return NetworkNamespaceSelection.Host;
            }
            return NetworkNamespaceSelection.Parse(text);
        },
    };

    public Option<SocketSourceKind> Source { get; }

    /// <param name="defaultSource">The default.</param>
    /// <param name="sourceHelp">The help text.</param>
    /// <param name="ebpf">Whether <c>ebpf</c> is a choice (the daemon's transitions; a snapshot command has none).</param>
    public SelectorOptions(SocketSourceKind defaultSource, string sourceHelp, bool ebpf = false)
    {
        Source = new Option<SocketSourceKind>("--source")
        {
            Description = sourceHelp,
            DefaultValueFactory = _ => defaultSource,
            CustomParser = result =>
            {
                string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                switch (text)
                {
                    case "auto": return SocketSourceKind.Auto;
                    case "netlink": return SocketSourceKind.Netlink;
                    case "procfs": return SocketSourceKind.Procfs;
                    case "ebpf" when ebpf: return SocketSourceKind.Ebpf;
                    default:
                        result.AddError(ebpf
                            ? $"invalid --source '{text}': expected auto, ebpf, netlink or procfs"
                            : $"invalid --source '{text}': expected auto, netlink or procfs");
                        return defaultSource;
                }
            },
        };
        Source.HelpName = ebpf ? "auto|ebpf|netlink|procfs" : "auto|netlink|procfs";
    }

    public void AddTo(Command command)
    {
        command.Add(Tcp);
        command.Add(Udp);
        command.Add(Raw);
        command.Add(Unix);
        command.Add(Listening);
        command.Add(AllSockets);
        command.Add(IPv4);
        command.Add(IPv6);
        command.Add(Interfaces);
        command.Add(Routes);
        command.Add(Statistics);
        command.Add(Netns);
        command.Add(Source);
    }

    /// <summary>
    /// What to collect: with none of -t -u -w -x -i -r -s everything; otherwise what they name (so
    /// <c>--once -r</c> is the routing table alone, and <c>-t -r</c> TCP sockets and routes).
    /// </summary>
    public CollectedParts ToParts(ParseResult result)
    {
        bool sockets = result.GetValue(Tcp) || result.GetValue(Udp) || result.GetValue(Raw) || result.GetValue(Unix);
        CollectedParts parts = (sockets ? CollectedParts.Sockets : CollectedParts.None)
            | (result.GetValue(Interfaces) ? CollectedParts.Interfaces : CollectedParts.None)
            | (result.GetValue(Routes) ? CollectedParts.Routes : CollectedParts.None)
            | (result.GetValue(Statistics) ? CollectedParts.Statistics : CollectedParts.None);
        return parts == CollectedParts.None ? CollectedParts.All : parts;
    }

    /// <summary>netstat's rules: no transport flag means all; -4/-6 without -x leave UNIX sockets out.</summary>
    public SocketQuery ToQuery(ParseResult result)
    {
        TransportSet transports = TransportSet.None;
        if (result.GetValue(Tcp)) transports |= TransportSet.Tcp;
        if (result.GetValue(Udp)) transports |= TransportSet.Udp;
        if (result.GetValue(Raw)) transports |= TransportSet.Raw;
        if (result.GetValue(Unix)) transports |= TransportSet.Unix;

        bool v4 = result.GetValue(IPv4), v6 = result.GetValue(IPv6);
        IpFamilySet families = (v4 ? IpFamilySet.IPv4 : IpFamilySet.None) | (v6 ? IpFamilySet.IPv6 : IpFamilySet.None);
        if (families == IpFamilySet.None)
        {
            families = IpFamilySet.Both;
            if (transports == TransportSet.None) transports = TransportSet.All;
        }
        else if (transports == TransportSet.None)
        {
            transports = TransportSet.Inet;
        }

        // -a wins over -l, as in netstat. Without either, --once shows everything; the netstat writer itself
        // leaves listeners out in that case (netstat's "w/o servers").
        bool listening = result.GetValue(Listening) && !result.GetValue(AllSockets);
        return new SocketQuery { Transports = transports, Families = families, ListeningOnly = listening };
    }
}
