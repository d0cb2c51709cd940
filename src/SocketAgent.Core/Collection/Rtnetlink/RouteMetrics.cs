using System.Buffers.Binary;
using SocketAgent.Collection.Netlink;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>The RTA_METRICS values netstat -re shows (nested RTAX_* u32 attributes).</summary>
internal readonly record struct RouteMetrics(uint Mtu, uint AdvertisedMss, uint Window, uint InitialRtt)
{
    /// <summary>
    /// Reads the nested attributes. RTAX_RTT is kept in the kernel's unit (1/8 ms, what <c>ip route … rtt 10ms</c>
    /// stores as 80); /proc/net/route and netstat's "irtt" show it shifted right by 3.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out RouteMetrics metrics)
    {
        metrics = default;
        uint mtu = 0, advmss = 0, window = 0, rtt = 0;
        var attributes = new NetlinkAttributeReader(value);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> attribute))
        {
            if (type is not (RtnetlinkProtocol.RTAX_MTU or RtnetlinkProtocol.RTAX_ADVMSS or RtnetlinkProtocol.RTAX_WINDOW or RtnetlinkProtocol.RTAX_RTT))
            {
                // Others include RTAX_CC_ALGO, a string.
                continue;
            }

            if (attribute.Length < sizeof(uint))
            {
                return false;
            }

            uint v = BinaryPrimitives.ReadUInt32LittleEndian(attribute);
            switch (type)
            {
                case RtnetlinkProtocol.RTAX_MTU: mtu = v; break;
                case RtnetlinkProtocol.RTAX_ADVMSS: advmss = v; break;
                case RtnetlinkProtocol.RTAX_WINDOW: window = v; break;
                default: rtt = v; break;
            }
        }

        metrics = new RouteMetrics(mtu, advmss, window, rtt);
        return !attributes.IsMalformed;
    }
}
