using SocketAgent.Model;
using SocketAgent.Encoders.Netstat;

namespace SocketAgent.Tests.Encoders.Netstat;

/// <summary>Test helper: netstat's socket flags (as the fixtures were captured with) → <see cref="NetstatOptions"/>.</summary>
internal static class NetstatFlags
{
    public static NetstatOptions Parse(string flags)
    {
        TransportSet transports = TransportSet.None;
        IpFamilySet families = IpFamilySet.None;
        var options = new NetstatOptions();
        foreach (string arg in flags.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (arg)
            {
                case "--numeric-hosts": options = options with { NumericHosts = true }; continue;
                case "--numeric-ports": options = options with { NumericPorts = true }; continue;
                case "--numeric-users": options = options with { NumericUsers = true }; continue;
                case "--cmdline": options = options with { CommandLine = true }; continue;
            }
            foreach (char c in arg.TrimStart('-'))
            {
                switch (c)
                {
                    case 't': transports |= TransportSet.Tcp; break;
                    case 'u': transports |= TransportSet.Udp; break;
                    case 'w': transports |= TransportSet.Raw; break;
                    case 'x': transports |= TransportSet.Unix; break;
                    case '4': families |= IpFamilySet.IPv4; break;
                    case '6': families |= IpFamilySet.IPv6; break;
                    case 'a': options = options with { All = true }; break;
                    case 'l': options = options with { Listening = true }; break;
                    case 'n': options = options with { Numeric = true }; break;
                    case 'p': options = options with { ShowPrograms = true }; break;
                    case 'e': options = options with { Extended = true }; break;
                    case 'W': options = options with { Wide = true }; break;
                    default: throw new ArgumentException($"unexpected flag {c}");
                }
            }
        }
        if (families != IpFamilySet.None && transports == TransportSet.None)
        {
            transports = TransportSet.Inet; // netstat -4 alone: every Internet protocol
        }
        return options with
        {
            Transports = transports == TransportSet.None ? TransportSet.All : transports,
            Families = families == IpFamilySet.None ? IpFamilySet.Both : families,
        };
    }
}
