using SocketAgent.Model;
using SocketAgent.Encoders.Netstat;

namespace SocketAgent.Tests.Encoders.Netstat;

/// <summary>The <c>netstat -s</c> flag combinations the fixtures hold, and what each maps to.</summary>
internal static class NetstatStatisticsFlags
{
    public static readonly string[] All = ["-s", "-s -6", "-st", "-su", "-sw", "-s -6 -t", "-s -6 -u", "-s -6 -w"];

    /// <summary>The capture's file name: <c>-s -6 -t</c> → <c>netstat-s6t.txt</c>.</summary>
    public static string FileName(string flags) => "netstat" + flags.Replace(" ", "").Replace("-", "").Insert(0, "-") + ".txt";

    public static NetstatStatisticsOptions Parse(string flags)
    {
        TransportSet transports = TransportSet.None;
        bool ipv6 = false;
        foreach (char c in flags.Replace("-", "").Replace(" ", ""))
        {
            switch (c)
            {
                case 's': break;
                case '6': ipv6 = true; break;
                case 't': transports |= TransportSet.Tcp; break;
                case 'u': transports |= TransportSet.Udp; break;
                case 'w': transports |= TransportSet.Raw; break;
                default: throw new ArgumentException($"unexpected flag {c}", nameof(flags));
            }
        }
        return new NetstatStatisticsOptions { Transports = transports == TransportSet.None ? TransportSet.All : transports, Ipv6 = ipv6 };
    }
}
