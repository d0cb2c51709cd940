using System.Text.RegularExpressions;
using SocketAgent.Cli.Hosting;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Deployment;

/// <summary>
/// One version number: Directory.Build.props sets it, the built assembly carries it, and everything that states it —
/// README's "Current release" line and its example events, the Dockerfile's VERSION label, the Kubernetes image tag,
/// <c>--version</c> — must say the same, so a release bump that misses one fails here instead of shipping two numbers.
/// </summary>
public sealed partial class VersionTests
{
    [Fact]
    public void The_built_version_is_the_one_Directory_Build_props_sets()
    {
        Match version = Regex.Match(RepositoryFiles.Read("Directory.Build.props"), @"<Version>([^<]+)</Version>");
        Assert.True(version.Success, "no <Version> in Directory.Build.props");
        Assert.Equal(version.Groups[1].Value, AgentVersion.Current);
        Assert.Matches(@"^\d+\.\d+\.\d+$", AgentVersion.Current);
    }

    [Fact]
    public void README_states_the_built_version_as_the_current_release()
    {
        Match stated = CurrentRelease().Match(RepositoryFiles.Read("README.md"));
        Assert.True(stated.Success, "README.md has no 'Current release: **X**' line");
        Assert.Equal(AgentVersion.Current, stated.Groups[1].Value);
    }

    [Fact]
    public void Every_version_README_and_the_deployment_files_show_is_the_built_one()
    {
        string readme = RepositoryFiles.Read("README.md");
        string[] examples = AgentVersionField().Matches(readme).Select(static m => m.Groups[1].Value).ToArray();
        string[] imageTags = ImageTag().Matches(readme).Select(static m => m.Groups[1].Value).ToArray();
        // At least the trimmed example, the golden lines and the docker build line: a pattern that stops matching
        // must fail here, not pass with nothing checked.
        Assert.True(examples.Length >= 2, $"found {examples.Length} agent.version examples in README.md");
        Assert.NotEmpty(imageTags);
        Assert.All(examples, v => Assert.Equal(AgentVersion.Current, v));
        Assert.All(imageTags, v => Assert.Equal(AgentVersion.Current, v));

        Match label = DockerVersionArgument().Match(RepositoryFiles.Read("Dockerfile"));
        Assert.True(label.Success, "no ARG VERSION=… in the Dockerfile");
        Assert.Equal(AgentVersion.Current, label.Groups[1].Value);

        Match tag = KustomizeTag().Match(RepositoryFiles.Read("deploy/kubernetes/kustomization.yaml"));
        Assert.True(tag.Success, "no newTag in deploy/kubernetes/kustomization.yaml");
        Assert.Equal(AgentVersion.Current, tag.Groups[1].Value);
    }

    [Fact]
    public void Version_option_prints_the_informational_version()
    {
        AgentProcess.Result result = AgentProcess.Run("--version");

        Assert.Equal(0, result.ExitCode);
        string printed = result.StandardOutput.Trim();
        Assert.Equal(AgentVersion.Informational, printed);
        Assert.StartsWith(AgentVersion.Current, printed);
    }

    [GeneratedRegex(@"(?m)^Current release: \*\*([^*]+)\*\*")]
    private static partial Regex CurrentRelease();

    [GeneratedRegex(@"""agent"":\{[^}]*""version"":""([^""]+)""")]
    private static partial Regex AgentVersionField();

    [GeneratedRegex(@"/socket-agent:(\d[^\s""]*)")]
    private static partial Regex ImageTag();

    [GeneratedRegex(@"(?m)^ARG VERSION=(\S+)$")]
    private static partial Regex DockerVersionArgument();

    [GeneratedRegex(@"(?m)^\s*newTag:\s*""?([^""\s]+)""?\s*$")]
    private static partial Regex KustomizeTag();
}
