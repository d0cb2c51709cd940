using System.CommandLine;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Cli.Commands;

/// <summary>
/// <c>socket-agent schema</c>: the JSON Schema of the JSON-lines output on stdout, or with <c>--elasticsearch DIR</c>
/// the ingest artifacts generated from it (component template, one index template per dataset) written under DIR —
/// what <c>deploy/elasticsearch/</c> holds.
/// </summary>
internal static class SchemaCommand
{
    public static Command Build(StandardStreams streams)
    {
        var command = new Command("schema",
            """
            Print the JSON Schema (draft 2020-12) every JSON line of the agent follows, or write the Elasticsearch /
            OpenSearch artifacts generated from it: the component template socket_agent@mappings (every field's
            mapping; the agent's own namespaces dynamic: strict) and one composable index template per event.dataset
            for the data streams logs-socket_agent.DATASET-* (load them with PUT _component_template/NAME and
            PUT _index_template/NAME; see deploy/elasticsearch/README.md).

            Examples:
              socket-agent schema > socket-agent.schema.json      the JSON Schema
              socket-agent schema --elasticsearch deploy/elasticsearch
                                                                  component_template/*.json, index_template/*.json
            """);
        var elasticsearch = new Option<string?>("--elasticsearch")
        {
            Description = "Write the Elasticsearch/OpenSearch templates under this directory (component_template/, index_template/) instead of printing the schema. Example: --elasticsearch ./es",
            HelpName = "DIR",
        };
        command.Add(elasticsearch);
        command.SetAction(result =>
        {
            if (result.GetValue(elasticsearch) is not { } directory)
            {
                try
                {
                    using Stream schema = SocketJsonSchema.Open();
                    schema.CopyTo(streams.Output);
                    streams.Output.Flush();
                }
                catch (IOException ex) when (StandardStreams.IsBrokenPipe(ex))
                {
                    // The reader went away (| head): not an error.
                }
                return ExitCodes.Success;
            }
            if (directory.Length == 0)
            {
                streams.Error.WriteLine("socket-agent: schema: --elasticsearch needs a directory (see socket-agent schema --help)");
                return ExitCodes.Usage;
            }
            try
            {
                IReadOnlyList<ElasticsearchArtifact> artifacts = IndexTemplateGenerator.Generate();
                foreach (ElasticsearchArtifact artifact in artifacts)
                {
                    string path = Path.Combine(directory, artifact.RelativePath);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.WriteAllText(path, artifact.Json, StandardStreams.Utf8NoBom);
                }
                streams.Error.WriteLine($"socket-agent: schema: wrote {artifacts.Count} templates under {directory}");
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                streams.Error.WriteLine($"socket-agent: schema: cannot write under '{directory}': {ex.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }
}
