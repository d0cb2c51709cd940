using System.Text.Encodings.Web;
using System.Text.Json;

namespace SocketAgent.Correlation.Map;

/// <summary>
/// The map as one JSON document for programs: <c>services</c> (id, host — absent when grouped across hosts —, whether
/// an agent watches it, the hosts it was seen on, kind, name, port) and <c>edges</c> (client and server ids, connections, open, bytes each way, every port, first and last
/// seen). Written with <see cref="Utf8JsonWriter"/>: no reflection, AOT-safe.
/// </summary>
internal static class ServiceMapJsonWriter
{
    public static void Write(ServiceGraph graph, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteStartArray("services");
        foreach (ServiceNode service in graph.Services)
        {
            json.WriteStartObject();
            json.WriteString("id", graph.IdOf(service));
            if (service.Host != ServiceNode.AnyHost)
            {
                json.WriteString("host", service.Host);
            }
            json.WriteBoolean("host_monitored", service.HostMonitored);
            json.WriteStartArray("hosts");
            foreach (string host in graph.HostsOf(service))
            {
                json.WriteStringValue(host);
            }
            json.WriteEndArray();
            json.WriteString("kind", service.Kind == ServiceKind.Unit ? "unit" : service.KindText);
            if (service.Kind != ServiceKind.Unknown)
            {
                json.WriteString("name", service.Name);
            }
            if (service.Port != 0)
            {
                json.WriteNumber("port", service.Port);
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartArray("edges");
        foreach (ServiceEdge edge in graph.Edges)
        {
            json.WriteStartObject();
            json.WriteString("client", graph.IdOf(edge.Client));
            json.WriteString("server", graph.IdOf(edge.Server));
            json.WriteNumber("connections", edge.Connections);
            json.WriteNumber("open", edge.Open);
            json.WriteStartObject("bytes");
            if (edge.BytesToServer >= 0)
            {
                json.WriteNumber("client_to_server", edge.BytesToServer);
            }
            if (edge.BytesToClient >= 0)
            {
                json.WriteNumber("server_to_client", edge.BytesToClient);
            }
            json.WriteEndObject();
            json.WriteStartArray("ports");
            foreach (PortKey port in edge.Ports)
            {
                json.WriteStartObject();
                json.WriteNumber("port", port.Port);
                json.WriteString("transport", port.Transport);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteString("first_seen", EventTimestamp.ToText(edge.FirstSeen));
            json.WriteString("last_seen", EventTimestamp.ToText(edge.LastSeen));
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }
}
