namespace SocketAgent.Encoders.Json;

/// <summary>
/// One file of the Elasticsearch/OpenSearch ingest artifacts: where it goes under <c>deploy/elasticsearch/</c>, the
/// API path it is PUT to, and its JSON body (indented, <c>\n</c> line ends, a final newline).
/// </summary>
/// <param name="RelativePath">The file's path under the artifacts directory, e.g. <c>component_template/socket_agent@mappings.json</c>.</param>
/// <param name="ApiPath">Where it is loaded, e.g. <c>_component_template/socket_agent@mappings</c>.</param>
/// <param name="Json">The request body.</param>
public sealed record ElasticsearchArtifact(string RelativePath, string ApiPath, string Json);
