using System.Net;
using System.Text;
using SocketAgent.Collection.Netlink;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>Decoding helpers shared by the rtnetlink parsers.</summary>
internal static class RtnetlinkAddresses
{
    /// <summary>An address attribute of <paramref name="family"/>: exactly 4 or 16 network-order bytes.</summary>
    public static bool TryRead(byte family, ReadOnlySpan<byte> value, IPAddressCache cache, out IPAddress? address)
    {
        switch (family)
        {
            case RtnetlinkProtocol.AF_INET when value.Length == 4:
                address = cache.GetV4(value);
                return true;
            case RtnetlinkProtocol.AF_INET6 when value.Length == 16:
                address = cache.GetV6(value);
                return true;
            default:
                address = null;
                return false;
        }
    }

    /// <summary>The family's any-address: what a route of prefix length 0 without RTA_DST stands for.</summary>
    public static IPAddress Any(byte family) => family == RtnetlinkProtocol.AF_INET6 ? IPAddress.IPv6Any : IPAddress.Any;

    /// <summary>A NUL-terminated string attribute (IFLA_IFNAME, IFA_LABEL, IFLA_QDISC…), up to its first NUL.</summary>
    public static string ReadString(ReadOnlySpan<byte> value)
    {
        int nul = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul < 0 ? value : value[..nul]);
    }
}
