using System.Text.Json;
using SocketAgent.Encoders.Json;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Deployment;

/// <summary>
/// deploy/elasticsearch/ is what <c>socket-agent schema --elasticsearch</c> generates from the embedded JSON Schema,
/// byte for byte, and nothing else: a schema change that is not regenerated (or a hand edit) fails here.
/// </summary>
public sealed class ElasticsearchTemplatesTests : IDisposable
{
    private const string Directory = "deploy/elasticsearch";
    private readonly DirectoryInfo _out = System.IO.Directory.CreateTempSubdirectory("socket-agent-es-");

    public void Dispose() => _out.Delete(recursive: true);

    [Fact]
    public void The_committed_templates_are_what_the_schema_generates()
    {
        IReadOnlyList<ElasticsearchArtifact> generated = IndexTemplateGenerator.Generate();
        string root = RepositoryFiles.PathOf(Directory);
        var problems = new List<string>();
        foreach (ElasticsearchArtifact artifact in generated)
        {
            string path = Path.Combine(root, artifact.RelativePath);
            if (!File.Exists(path))
            {
                problems.Add($"{artifact.RelativePath}: missing");
            }
            else if (File.ReadAllText(path) != artifact.Json)
            {
                problems.Add($"{artifact.RelativePath}: differs from the generated one");
            }
        }
        string[] committed = System.IO.Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal).ToArray();
        problems.AddRange(committed.Except(generated.Select(static a => a.RelativePath)).Select(static p => $"{p}: not generated (stale?)"));
        Assert.True(problems.Count == 0,
            $"{Directory} is out of step with the schema; regenerate it with `socket-agent schema --elasticsearch {Directory}`:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void The_cli_writes_the_same_files()
    {
        AgentProcess.Result result = AgentProcess.Run("schema", "--elasticsearch", _out.FullName);
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("", result.StandardOutput);
        foreach (ElasticsearchArtifact artifact in IndexTemplateGenerator.Generate())
        {
            Assert.Equal(artifact.Json, File.ReadAllText(Path.Combine(_out.FullName, artifact.RelativePath)));
        }
    }

    [Fact]
    public void The_cli_prints_the_embedded_schema()
    {
        AgentProcess.Result result = AgentProcess.Run("schema");
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(SocketJsonSchema.ReadText(), result.StandardOutput);
    }

    /// <summary>One index template per event.dataset, for logs-socket_agent.DATASET-*, composed of the mappings.</summary>
    [Fact]
    public void Every_dataset_has_its_data_stream_template()
    {
        using JsonDocument schema = JsonDocument.Parse(SocketJsonSchema.ReadText());
        IReadOnlyList<string> datasets = IndexTemplateGenerator.Datasets(schema.RootElement);
        Assert.Contains("socket", datasets);
        IReadOnlyList<ElasticsearchArtifact> generated = IndexTemplateGenerator.Generate();
        foreach (string dataset in datasets)
        {
            ElasticsearchArtifact template = Assert.Single(generated, a => a.ApiPath == $"_index_template/logs-socket_agent.{dataset}");
            using JsonDocument body = JsonDocument.Parse(template.Json);
            Assert.Equal($"logs-socket_agent.{dataset}-*", Assert.Single(body.RootElement.GetProperty("index_patterns").EnumerateArray()).GetString());
            Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("data_stream").ValueKind);
            Assert.Equal(IndexTemplateGenerator.ComponentTemplateName, Assert.Single(body.RootElement.GetProperty("composed_of").EnumerateArray()).GetString());
        }
        Assert.Equal(datasets.Count + 1, generated.Count);
    }
}
