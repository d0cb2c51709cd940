using System.Collections;
using SocketAgent.Cli.Configuration;
using SocketAgent.Collection;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Model;

namespace SocketAgent.Tests.Daemon;

public sealed class AgentConfigurationLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("socket-agent-loader-").FullName;

    [Theory]
    [InlineData("socket-agent.example.yaml")]
    [InlineData("socket-agent.example.json")]
    public void The_example_files_hold_exactly_the_defaults(string name)
    {
        string path = Path.Combine(RepositoryRoot(), "config", name);

        AgentOptions fromFile = AgentConfigurationLoader.LoadFile(path);

        Assert.Equal(Print(new AgentOptions()), Print(fromFile));
    }

    [Fact]
    public void The_yaml_example_names_every_setting()
    {
        string yaml = File.ReadAllText(Path.Combine(RepositoryRoot(), "config", "socket-agent.example.yaml"));
        foreach (AgentSetting setting in AgentSettings.All)
        {
            Assert.Contains(setting.Key.Split(':')[^1] + ":", yaml);
        }
    }

    [Fact]
    public void Defaults()
    {
        AgentOptions options = Load(null, [], []);

        Assert.Equal(TimeSpan.FromSeconds(1), options.Interval);
        Assert.Equal(TimeSpan.FromSeconds(60), options.StatsInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Heartbeat);
        Assert.Equal("/var/lib/socket-agent", options.StateDirectory);
        Assert.Null(options.HostName);
        Assert.Equal(SocketSourceKind.Auto, options.Source);
        Assert.Equal(NetworkNamespaceSelection.Host, options.Netns);
        Assert.Equal(CollectedParts.All, options.Collect.Parts);
        Assert.True(options.Filters.Include.IsEmpty);
        Assert.True(options.Filters.Exclude.IsEmpty);
        Assert.False(options.Filters.DropLoopback);
        Assert.True(options.Redaction.Enabled);
        Assert.Equal(KubernetesPodSourceKind.Auto, options.Kubernetes.Source);
        Assert.Equal("", options.Kubernetes.NodeName);
        Assert.Null(options.Kubernetes.KubeletUrl);
        Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount/token", options.Kubernetes.TokenFile);
        Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", options.Kubernetes.CaFile);
        Assert.False(options.Kubernetes.KubeletInsecureTls);
    }

    [Fact]
    public void The_kubernetes_pod_source_is_read_and_echoed()
    {
        AgentOptions options = Load(null, new() { ["SOCKETAGENT_CONTAINERS__KUBERNETES__SOURCE"] = "apiserver" }, new()
        {
            ["containers:kubernetes:node_name"] = "node-1.example",
            ["containers:kubernetes:kubelet_url"] = "https://10.0.0.5:10250",
            ["containers:kubernetes:kubelet_insecure_tls"] = "true",
        });

        Assert.Equal(KubernetesPodSourceKind.ApiServer, options.Kubernetes.Source);
        Assert.Equal("node-1.example", options.Kubernetes.NodeName);
        Assert.Equal(new Uri("https://10.0.0.5:10250"), options.Kubernetes.KubeletUrl);
        Assert.True(options.Kubernetes.KubeletInsecureTls);
        Assert.Contains("\"kubernetes\":{\"source\":\"apiserver\",\"node_name\":\"node-1.example\",\"kubelet_url\":\"https://10.0.0.5:10250\"", Print(options).Replace(" ", "").Replace("\n", ""));
    }

    [Fact]
    public void A_list_is_taken_whole_from_the_last_source_that_sets_it()
    {
        string file = Write("a.yaml", "collect:\n  transports: [tcp, udp, raw]\nfilters:\n  exclude:\n    processes: [sshd, chronyd]\n");

        AgentOptions options = Load(file, new() { ["SOCKETAGENT_COLLECT__TRANSPORTS"] = "unix" }, []);

        Assert.Equal(TransportSet.Unix, options.Collect.Transports);
        Assert.Equal(["sshd", "chronyd"], options.Filters.Exclude.Processes);
    }

    [Fact]
    public void An_empty_list_on_the_command_line_means_none()
    {
        AgentOptions options = Load(null, [], new() { ["collect:transports"] = "", ["collect:routes"] = "true" });

        Assert.Equal(CollectedParts.Routes | CollectedParts.Interfaces | CollectedParts.Statistics, options.Collect.Parts);
    }

    [Fact]
    public void Every_filter_criterion_is_read()
    {
        string file = Write("f.yaml", """
            filters:
              include:
                transports: [tcp]
                states: [listen, ESTABLISHED]
                local_ports: [22, 8000-8999]
                remote_ports: ["443"]
                processes: [nginx]
                pids: [1, 42]
                command_lines: ['java .*-jar']
              drop_loopback: true
            redaction:
              enabled: false
              patterns: ['secret-[0-9a-f]+']
              flags: [--api-key]
            netns: /run/netns/blue
            host_name: web-01
            """);

        AgentOptions options = Load(file, [], []);

        FilterRule include = options.Filters.Include;
        Assert.Equal(TransportSet.Tcp, include.Transports);
        Assert.Equal(["LISTEN", "ESTABLISHED"], include.States);
        Assert.Equal([new PortRange(22, 22), new PortRange(8000, 8999)], include.LocalPorts);
        Assert.True(include.LocalPorts[1].Contains(8500));
        Assert.False(include.LocalPorts[1].Contains(9000));
        Assert.Equal([new PortRange(443, 443)], include.RemotePorts);
        Assert.Equal(["nginx"], include.Processes);
        Assert.Equal([1, 42], include.Pids);
        Assert.Matches(Assert.Single(include.CommandLines), "/usr/bin/java -Xmx1g -jar app.jar");
        Assert.True(options.Filters.DropLoopback);
        Assert.False(options.Redaction.Enabled);
        Assert.Single(options.Redaction.Patterns);
        Assert.Equal(["--api-key"], options.Redaction.Flags);
        Assert.Equal(NetworkNamespaceSelection.ForPath("/run/netns/blue"), options.Netns);
        Assert.Equal("web-01", options.HostName);
    }

    [Theory]
    [InlineData("interval", "0s")]
    [InlineData("interval", "25h")]
    [InlineData("heartbeat", "soon")]
    [InlineData("source", "kernel")]
    [InlineData("netns", "blue")]
    [InlineData("collect:interfaces", "yes please")]
    [InlineData("collect:transports", "tcp,sctp")]
    [InlineData("filters:include:states", "HALF_OPEN")]
    [InlineData("filters:exclude:local_ports", "9000-8000")]
    [InlineData("filters:exclude:pids", "-1")]
    [InlineData("filters:include:command_lines", "java (")]
    [InlineData("redaction:flags", "api-key")]
    [InlineData("containers:kubernetes:source", "kubeapi")]
    [InlineData("containers:kubernetes:node_name", "Node_1")]
    [InlineData("containers:kubernetes:kubelet_url", "http://10.0.0.5:10250")]
    [InlineData("containers:kubernetes:kubelet_url", "https://10.0.0.5:10250/pods")]
    [InlineData("containers:kubernetes:token_file", "token")]
    [InlineData("containers:kubernetes:ca_file", "ca.crt")]
    [InlineData("containers:kubernetes:kubelet_insecure_tls", "sometimes")]
    public void Bad_values_are_refused_naming_the_setting_and_what_it_accepts(string key, string value)
    {
        var ex = Assert.Throws<AgentConfigurationException>(() => Load(null, [], new() { [key] = value }));

        Assert.StartsWith($"invalid setting '{key.Replace(':', '.')}' = '", ex.Message);
        Assert.Contains("expected ", ex.Message);
    }

    private static AgentOptions Load(string? file, Dictionary<string, string> environment, Dictionary<string, string?> commandLine) =>
        AgentConfigurationLoader.Load(file, new Hashtable(environment), commandLine);

    private static string Print(AgentOptions options)
    {
        using var stream = new MemoryStream();
        AgentOptionsJson.Write(options, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SocketAgent.sln")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException("the repository root (SocketAgent.sln) was not found above " + AppContext.BaseDirectory);
    }

    private string Write(string name, string content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
