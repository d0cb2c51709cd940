using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Writes <c>interface.*</c>: link attributes, addresses (IPv4 first, then IPv6, each family in kernel order) and
/// every IFLA_STATS64 counter as a number, zeros included, so rates can be computed from consecutive lines.
/// </summary>
internal sealed class InterfaceJsonConverter : JsonConverter<InterfaceJson>
{
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText s_index = JsonEncodedText.Encode("index");
    private static readonly JsonEncodedText s_mtu = JsonEncodedText.Encode("mtu");
    private static readonly JsonEncodedText s_state = JsonEncodedText.Encode("state");
    private static readonly JsonEncodedText s_flags = JsonEncodedText.Encode("flags");
    private static readonly JsonEncodedText s_mac = JsonEncodedText.Encode("mac");
    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText s_kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText s_qdisc = JsonEncodedText.Encode("qdisc");
    private static readonly JsonEncodedText s_parentIndex = JsonEncodedText.Encode("parent_index");
    private static readonly JsonEncodedText s_masterIndex = JsonEncodedText.Encode("master_index");
    private static readonly JsonEncodedText s_address = JsonEncodedText.Encode("address");
    private static readonly JsonEncodedText s_addresses = JsonEncodedText.Encode("addresses");
    private static readonly JsonEncodedText s_addressDetails = JsonEncodedText.Encode("address_details");
    private static readonly JsonEncodedText s_cidr = JsonEncodedText.Encode("cidr");
    private static readonly JsonEncodedText s_scope = JsonEncodedText.Encode("scope");
    private static readonly JsonEncodedText s_label = JsonEncodedText.Encode("label");
    private static readonly JsonEncodedText s_broadcast = JsonEncodedText.Encode("broadcast");
    private static readonly JsonEncodedText s_peer = JsonEncodedText.Encode("peer");
    private static readonly JsonEncodedText s_rx = JsonEncodedText.Encode("rx");
    private static readonly JsonEncodedText s_tx = JsonEncodedText.Encode("tx");
    private static readonly JsonEncodedText s_packets = JsonEncodedText.Encode("packets");
    private static readonly JsonEncodedText s_bytes = JsonEncodedText.Encode("bytes");
    private static readonly JsonEncodedText s_errors = JsonEncodedText.Encode("errors");
    private static readonly JsonEncodedText s_dropped = JsonEncodedText.Encode("dropped");
    private static readonly JsonEncodedText s_fifoErrors = JsonEncodedText.Encode("fifo_errors");
    private static readonly JsonEncodedText s_overErrors = JsonEncodedText.Encode("over_errors");
    private static readonly JsonEncodedText s_crcErrors = JsonEncodedText.Encode("crc_errors");
    private static readonly JsonEncodedText s_frameErrors = JsonEncodedText.Encode("frame_errors");
    private static readonly JsonEncodedText s_missedErrors = JsonEncodedText.Encode("missed_errors");
    private static readonly JsonEncodedText s_lengthErrors = JsonEncodedText.Encode("length_errors");
    private static readonly JsonEncodedText s_compressed = JsonEncodedText.Encode("compressed");
    private static readonly JsonEncodedText s_nohandler = JsonEncodedText.Encode("nohandler");
    private static readonly JsonEncodedText s_abortedErrors = JsonEncodedText.Encode("aborted_errors");
    private static readonly JsonEncodedText s_carrierErrors = JsonEncodedText.Encode("carrier_errors");
    private static readonly JsonEncodedText s_heartbeatErrors = JsonEncodedText.Encode("heartbeat_errors");
    private static readonly JsonEncodedText s_windowErrors = JsonEncodedText.Encode("window_errors");
    private static readonly JsonEncodedText s_multicast = JsonEncodedText.Encode("multicast");
    private static readonly JsonEncodedText s_collisions = JsonEncodedText.Encode("collisions");

    private static ReadOnlySpan<char> HexDigits => "0123456789abcdef";

    // IFLA_ADDRESS is at most MAX_ADDR_LEN (32) bytes; "xx:" per byte.
    private const int MaxStackMacBytes = 32;

    public override InterfaceJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("interface is written, never read.");

    public override void Write(Utf8JsonWriter writer, InterfaceJson json, JsonSerializerOptions options)
    {
        InterfaceRecord link = json.Value;
        writer.WriteStartObject();
        writer.WriteString(s_name, link.Name);
        writer.WriteNumber(s_index, link.Index);
        if (json.Address is InterfaceAddress changed)
        {
            IpText.WriteCidr(writer, s_address, changed.Address, changed.PrefixLength);
        }
        writer.WriteNumber(s_mtu, link.Mtu);
        writer.WriteString(s_state, InterfaceNames.OperState(link.OperState));
        writer.WritePropertyName(s_flags);
        InterfaceNames.WriteLinkFlags(writer, link.Flags);
        if (link.HardwareAddress is { Length: > 0 } mac)
        {
            WriteMac(writer, mac);
        }
        writer.WriteString(s_type, InterfaceNames.LinkType(link.LinkType));
        WriteIfNotNull(writer, s_kind, link.Kind);
        WriteIfNotNull(writer, s_qdisc, link.Qdisc);
        WriteIfPositive(writer, s_parentIndex, link.ParentIndex);
        WriteIfPositive(writer, s_masterIndex, link.MasterIndex);
        WriteAddresses(writer, link.Addresses);
        WriteCounters(writer, link.Counters ?? InterfaceCounters.Zero);
        writer.WriteEndObject();
    }

    private static void WriteAddresses(Utf8JsonWriter writer, IReadOnlyList<InterfaceAddress>? addresses)
    {
        // Always present (empty for a link without addresses), so consumers need no null checks for the field
        // they read most; the details follow only when there is something to detail.
        writer.WriteStartArray(s_addresses);
        if (addresses is null || addresses.Count == 0)
        {
            writer.WriteEndArray();
            return;
        }

        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < addresses.Count; i++)
            {
                if (addresses[i] is InterfaceAddress address && InPass(address, pass))
                {
                    IpText.WriteCidrValue(writer, address.Address, address.PrefixLength);
                }
            }
        }
        writer.WriteEndArray();

        writer.WriteStartArray(s_addressDetails);
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < addresses.Count; i++)
            {
                if (addresses[i] is InterfaceAddress address && InPass(address, pass))
                {
                    WriteAddressDetails(writer, address);
                }
            }
        }
        writer.WriteEndArray();

        // Sources list IPv4 first already; two passes keep the promise if one does not, without sorting a copy.
        static bool InPass(InterfaceAddress address, int pass) =>
            (address.Address.AddressFamily == AddressFamily.InterNetwork) == (pass == 0);
    }

    private static void WriteAddressDetails(Utf8JsonWriter writer, InterfaceAddress address)
    {
        writer.WriteStartObject();
        IpText.WriteCidr(writer, s_cidr, address.Address, address.PrefixLength);
        writer.WriteString(s_scope, RouteNames.Scope(address.Scope));
        WriteIfNotNull(writer, s_label, address.Label);
        if (address.Broadcast is IPAddress broadcast)
        {
            IpText.WriteAddress(writer, s_broadcast, broadcast);
        }
        if (address.Peer is IPAddress peer)
        {
            // ip prints "peer P/LEN": on a point-to-point address the prefix belongs to the peer.
            IpText.WriteCidr(writer, s_peer, peer, address.PrefixLength);
        }
        if (address.Flags != 0)
        {
            writer.WritePropertyName(s_flags);
            InterfaceNames.WriteAddressFlags(writer, address.Flags, address.Address.AddressFamily);
        }
        writer.WriteEndObject();
    }

    private static void WriteCounters(Utf8JsonWriter writer, InterfaceCounters c)
    {
        writer.WriteStartObject(s_rx);
        KernelValues.Write(writer, s_packets, c.RxPackets);
        KernelValues.Write(writer, s_bytes, c.RxBytes);
        KernelValues.Write(writer, s_errors, c.RxErrors);
        KernelValues.Write(writer, s_dropped, c.RxDropped);
        KernelValues.Write(writer, s_fifoErrors, c.RxFifoErrors);
        KernelValues.Write(writer, s_overErrors, c.RxOverErrors);
        KernelValues.Write(writer, s_crcErrors, c.RxCrcErrors);
        KernelValues.Write(writer, s_frameErrors, c.RxFrameErrors);
        KernelValues.Write(writer, s_missedErrors, c.RxMissedErrors);
        KernelValues.Write(writer, s_lengthErrors, c.RxLengthErrors);
        KernelValues.Write(writer, s_compressed, c.RxCompressed);
        KernelValues.Write(writer, s_nohandler, c.RxNoHandler);
        writer.WriteEndObject();

        writer.WriteStartObject(s_tx);
        KernelValues.Write(writer, s_packets, c.TxPackets);
        KernelValues.Write(writer, s_bytes, c.TxBytes);
        KernelValues.Write(writer, s_errors, c.TxErrors);
        KernelValues.Write(writer, s_dropped, c.TxDropped);
        KernelValues.Write(writer, s_fifoErrors, c.TxFifoErrors);
        KernelValues.Write(writer, s_abortedErrors, c.TxAbortedErrors);
        KernelValues.Write(writer, s_carrierErrors, c.TxCarrierErrors);
        KernelValues.Write(writer, s_heartbeatErrors, c.TxHeartbeatErrors);
        KernelValues.Write(writer, s_windowErrors, c.TxWindowErrors);
        KernelValues.Write(writer, s_compressed, c.TxCompressed);
        writer.WriteEndObject();

        KernelValues.Write(writer, s_multicast, c.Multicast);
        KernelValues.Write(writer, s_collisions, c.Collisions);
    }

    private static void WriteMac(Utf8JsonWriter writer, byte[] mac)
    {
        int length = mac.Length * 3 - 1;
        Span<char> text = mac.Length <= MaxStackMacBytes ? stackalloc char[MaxStackMacBytes * 3] : new char[length];
        for (int i = 0; i < mac.Length; i++)
        {
            if (i > 0)
            {
                text[i * 3 - 1] = ':';
            }
            byte b = mac[i];
            text[i * 3] = HexDigits[b >> 4];
            text[i * 3 + 1] = HexDigits[b & 0xF];
        }
        writer.WriteString(s_mac, text[..length]);
    }

    private static void WriteIfNotNull(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteIfPositive(Utf8JsonWriter writer, JsonEncodedText name, int value)
    {
        if (value > 0)
        {
            writer.WriteNumber(name, value);
        }
    }
}
