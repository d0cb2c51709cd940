using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Writes <c>route.*</c>. Zero metrics (<c>mtu</c>, <c>advmss</c>, <c>window</c>, <c>rtt</c>) mean "not set" in
/// RTA_METRICS and are left out, as ip leaves them out; <c>metric</c> (the priority) is always written because 0 is a
/// real priority (the local table's routes).
/// </summary>
internal sealed class RouteJsonConverter : JsonConverter<RouteJson>
{
    private static readonly JsonEncodedText s_destination = JsonEncodedText.Encode("destination");
    private static readonly JsonEncodedText s_gateway = JsonEncodedText.Encode("gateway");
    private static readonly JsonEncodedText s_interface = JsonEncodedText.Encode("interface");
    private static readonly JsonEncodedText s_interfaceIndex = JsonEncodedText.Encode("interface_index");
    private static readonly JsonEncodedText s_table = JsonEncodedText.Encode("table");
    private static readonly JsonEncodedText s_metric = JsonEncodedText.Encode("metric");
    private static readonly JsonEncodedText s_source = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText s_preferredSource = JsonEncodedText.Encode("preferred_source");
    private static readonly JsonEncodedText s_protocol = JsonEncodedText.Encode("protocol");
    private static readonly JsonEncodedText s_scope = JsonEncodedText.Encode("scope");
    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText s_flags = JsonEncodedText.Encode("flags");
    private static readonly JsonEncodedText s_tos = JsonEncodedText.Encode("tos");
    private static readonly JsonEncodedText s_mtu = JsonEncodedText.Encode("mtu");
    private static readonly JsonEncodedText s_advmss = JsonEncodedText.Encode("advmss");
    private static readonly JsonEncodedText s_window = JsonEncodedText.Encode("window");
    private static readonly JsonEncodedText s_rtt = JsonEncodedText.Encode("rtt");
    private static readonly JsonEncodedText s_nexthops = JsonEncodedText.Encode("nexthops");
    private static readonly JsonEncodedText s_weight = JsonEncodedText.Encode("weight");

    public override RouteJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("route is written, never read.");

    public override void Write(Utf8JsonWriter writer, RouteJson json, JsonSerializerOptions options)
    {
        RouteRecord route = json.Value;
        writer.WriteStartObject();
        IpText.WriteCidr(writer, s_destination, route.Destination, route.DestinationPrefixLength);
        if (route.Gateway is IPAddress gateway)
        {
            IpText.WriteAddress(writer, s_gateway, gateway);
        }
        WriteInterface(writer, route.OutputInterfaceName, route.OutputInterfaceIndex);
        writer.WriteString(s_table, json.Table);
        writer.WriteNumber(s_metric, route.Metric);
        if (route.Source is IPAddress source && route.SourcePrefixLength > 0)
        {
            IpText.WriteCidr(writer, s_source, source, route.SourcePrefixLength);
        }
        if (route.PreferredSource is IPAddress preferred)
        {
            IpText.WriteAddress(writer, s_preferredSource, preferred);
        }
        writer.WriteString(s_protocol, RouteNames.Protocol(route.Protocol));
        writer.WriteString(s_scope, RouteNames.Scope(route.Scope));
        writer.WriteString(s_type, RouteNames.Type(route.Type));
        if (route.Flags != 0)
        {
            writer.WritePropertyName(s_flags);
            RouteNames.WriteFlags(writer, route.Flags);
        }
        WriteIfNotZero(writer, s_tos, route.Tos);
        WriteIfNotZero(writer, s_mtu, route.Mtu);
        WriteIfNotZero(writer, s_advmss, route.AdvertisedMss);
        WriteIfNotZero(writer, s_window, route.Window);
        WriteIfNotZero(writer, s_rtt, route.InitialRtt);

        IReadOnlyList<RouteNextHop> hops = route.NextHops;
        if (hops is { Count: > 0 })
        {
            writer.WriteStartArray(s_nexthops);
            for (int i = 0; i < hops.Count; i++)
            {
                RouteNextHop hop = hops[i];
                writer.WriteStartObject();
                if (hop.Gateway is IPAddress hopGateway)
                {
                    IpText.WriteAddress(writer, s_gateway, hopGateway);
                }
                WriteInterface(writer, hop.InterfaceName, hop.InterfaceIndex);
                writer.WriteNumber(s_weight, hop.Weight);
                if (hop.Flags != 0)
                {
                    writer.WritePropertyName(s_flags);
                    RouteNames.WriteFlags(writer, hop.Flags);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static void WriteInterface(Utf8JsonWriter writer, string? name, int index)
    {
        if (name is not null)
        {
            writer.WriteString(s_interface, name);
        }
        // ifindex is a positive int in the kernel; 0 is "none" and a negative one can only be a broken source.
        if (index > 0)
        {
            writer.WriteNumber(s_interfaceIndex, index);
        }
    }

    private static void WriteIfNotZero(Utf8JsonWriter writer, JsonEncodedText name, uint value)
    {
        if (value != 0)
        {
            writer.WriteNumber(name, value);
        }
    }
}
