using SocketAgent.Cli.Configuration;
using SocketAgent.Collection.Containers;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Tests.Daemon;
using SocketAgent.Tests.Delivery.Kafka;
using YamlDotNet.RepresentationModel;

namespace SocketAgent.Tests.Deployment;

/// <summary>
/// deploy/kubernetes/ checked without a cluster: every document parses and names its apiVersion, kind and name; the
/// DaemonSet holds what the agent needs (host namespaces, exactly the measured capabilities, probes on /healthz,
/// limits, tolerations, the metrics port); the RBAC is what the kubelet pod source needs, read-only; the ConfigMap's
/// configuration loads through the agent's own loader.
/// </summary>
public sealed class KubernetesManifestTests
{
    private const string Folder = "deploy/kubernetes";

    // Cluster-scoped: no metadata.namespace.
    private static readonly HashSet<string> s_clusterScoped = ["namespace.yaml", "clusterrole.yaml", "clusterrolebinding.yaml"];

    private static readonly Dictionary<string, string> s_expectedKinds = new(StringComparer.Ordinal)
    {
        ["namespace.yaml"] = "v1/Namespace",
        ["serviceaccount.yaml"] = "v1/ServiceAccount",
        ["clusterrole.yaml"] = "rbac.authorization.k8s.io/v1/ClusterRole",
        ["clusterrolebinding.yaml"] = "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
        ["configmap.yaml"] = "v1/ConfigMap",
        ["daemonset.yaml"] = "apps/v1/DaemonSet",
        ["service.yaml"] = "v1/Service",
        ["servicemonitor.yaml"] = "monitoring.coreos.com/v1/ServiceMonitor",
        ["correlate.yaml"] = "apps/v1/StatefulSet",
        ["kustomization.yaml"] = "kustomize.config.k8s.io/v1beta1/Kustomization",
    };

    [Fact]
    public void Every_document_has_apiVersion_kind_and_a_name_in_the_agent_namespace()
    {
        string[] files = [.. Directory.GetFiles(RepositoryFiles.PathOf(Folder), "*.yaml").Select(Path.GetFileName).Order()!];
        Assert.Equal(s_expectedKinds.Keys.Order(), files);

        foreach (string file in files)
        {
            YamlMappingNode document = Assert.Single(Documents(file));
            Assert.Equal(s_expectedKinds[file], $"{Scalar(document, "apiVersion")}/{Scalar(document, "kind")}");
            if (file == "kustomization.yaml")
            {
                continue;
            }
            Assert.Equal("socket-agent", Scalar(document, "metadata.labels.app.kubernetes.io/name"));
            Assert.False(string.IsNullOrEmpty(Scalar(document, "metadata.name")), file);
            if (!s_clusterScoped.Contains(file))
            {
                Assert.Equal("socket-agent", Scalar(document, "metadata.namespace"));
            }
        }
    }

    [Fact]
    public void The_kustomization_applies_every_manifest_and_renders_offline()
    {
        YamlMappingNode kustomization = Assert.Single(Documents("kustomization.yaml"));
        Assert.Equal(s_expectedKinds.Keys.Where(static f => f != "kustomization.yaml").Order(),
            Sequence(kustomization, "resources").Select(static n => ((YamlScalarNode)n).Value!).Order());

        string? kubectl = ToolRun.Find("/usr/bin/kubectl", "/usr/local/bin/kubectl");
        Assert.SkipWhen(kubectl is null, "kubectl is not installed: the kustomize rendering is not checked");
        // `kubectl kustomize` needs no cluster. (`kubectl apply --dry-run=client` and `create --dry-run=client` do:
        // they fetch the API server's resource list even with --validate=false, so they cannot run here.)
        ToolRun.Result rendered = ToolRun.Run(kubectl!, ["kustomize", RepositoryFiles.PathOf(Folder)], TimeSpan.FromSeconds(60));
        Assert.True(rendered.ExitCode == 0, rendered.ToString());
        var stream = new YamlStream();
        stream.Load(new StringReader(rendered.StandardOutput));
        Assert.Equal(9, stream.Documents.Count);
        Assert.All(stream.Documents, static d =>
        {
            var root = (YamlMappingNode)d.RootNode;
            if (Scalar(root, "kind") is not ("Namespace" or "ClusterRole" or "ClusterRoleBinding"))
            {
                Assert.Equal("socket-agent", Scalar(root, "metadata.namespace"));
            }
        });
    }

    [Fact]
    public void The_daemonset_sees_the_whole_node_with_exactly_the_measured_capabilities()
    {
        YamlMappingNode spec = Mapping(Assert.Single(Documents("daemonset.yaml")), "spec.template.spec");

        Assert.Equal("true", Scalar(spec, "hostNetwork"));
        Assert.Equal("true", Scalar(spec, "hostPID"));
        Assert.Equal("ClusterFirstWithHostNet", Scalar(spec, "dnsPolicy"));
        Assert.Equal("system-node-critical", Scalar(spec, "priorityClassName"));
        Assert.Equal("socket-agent", Scalar(spec, "serviceAccountName"));
        YamlMappingNode toleration = (YamlMappingNode)Assert.Single(Sequence(spec, "tolerations"));
        Assert.Equal("Exists", Scalar(toleration, "operator"));
        Assert.Null(Find(toleration, "key")); // no key: every taint

        YamlMappingNode agent = (YamlMappingNode)Assert.Single(Sequence(spec, "containers"));
        Assert.Equal("true", Scalar(agent, "securityContext.runAsNonRoot"));
        Assert.NotEqual("0", Scalar(agent, "securityContext.runAsUser"));
        Assert.Equal("true", Scalar(agent, "securityContext.readOnlyRootFilesystem"));
        // File capabilities need it (no_new_privs would ignore them): see the manifest's comment.
        Assert.Equal("true", Scalar(agent, "securityContext.allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], Strings(agent, "securityContext.capabilities.drop"));
        Assert.Equal(RepositoryFiles.DocumentedCapabilities.Order(), Strings(agent, "securityContext.capabilities.add").Order());

        YamlMappingNode port = (YamlMappingNode)Assert.Single(Sequence(agent, "ports"));
        Assert.Equal("metrics", Scalar(port, "name"));
        Assert.Equal("9464", Scalar(port, "containerPort"));
        List<string> args = Strings(agent, "args");
        Assert.Equal("0.0.0.0:9464", args[args.IndexOf("--http-listen") + 1]);
        Assert.Equal("/etc/socket-agent/socket-agent.yaml", args[args.IndexOf("--config") + 1]);
        foreach (string probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            Assert.Equal("/healthz", Scalar(agent, $"{probe}.httpGet.path"));
            Assert.Equal("metrics", Scalar(agent, $"{probe}.httpGet.port"));
        }

        // Above the measured peak RSS of the daemon (59.6 MiB with 20,680 sockets).
        Assert.True(MiB(Scalar(agent, "resources.limits.memory")) > 60, "memory limit below the measured peak");
        Assert.NotNull(Scalar(agent, "resources.requests.memory"));
        Assert.NotNull(Scalar(agent, "resources.requests.cpu"));

        // The state directory (agent.id, sequence, spool) is on the node, so it survives pod restarts.
        YamlMappingNode state = Volume(spec, "state");
        Assert.Equal("/var/lib/socket-agent", Scalar(state, "hostPath.path"));
        Assert.Equal("DirectoryOrCreate", Scalar(state, "hostPath.type"));
        Assert.Contains(Sequence(agent, "volumeMounts").Cast<YamlMappingNode>(),
            static m => Scalar(m, "name") == "state" && Scalar(m, "mountPath") == "/var/lib/socket-agent");
        Assert.Equal("socket-agent-config", Scalar(Volume(spec, "config"), "configMap.name"));

        Assert.Equal("RollingUpdate", Scalar(Mapping(Assert.Single(Documents("daemonset.yaml")), "spec"), "updateStrategy.type"));
        Assert.NotNull(Scalar(Mapping(Assert.Single(Documents("daemonset.yaml")), "spec"), "updateStrategy.rollingUpdate.maxUnavailable"));
    }

    [Fact]
    public void The_correlate_members_write_exactly_once_with_a_transactional_id_each_and_no_privilege()
    {
        YamlMappingNode statefulSet = Assert.Single(Documents("correlate.yaml"));
        Assert.True(int.Parse(Scalar(statefulSet, "spec.replicas")!, System.Globalization.CultureInfo.InvariantCulture) >= 2);
        YamlMappingNode spec = Mapping(statefulSet, "spec.template.spec");
        Assert.Equal("false", Scalar(spec, "automountServiceAccountToken"));
        YamlMappingNode member = (YamlMappingNode)Assert.Single(Sequence(spec, "containers"));
        // An image without file capabilities: the agent's cannot be executed with an empty bounding set.
        Assert.Equal("socket-agent-correlate:latest", Scalar(member, "image"));
        Assert.Equal("false", Scalar(member, "securityContext.allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], Strings(member, "securityContext.capabilities.drop"));
        Assert.Null(Find(member, "securityContext.capabilities.add"));
        Assert.Equal("true", Scalar(member, "securityContext.readOnlyRootFilesystem"));

        List<string> args = Strings(member, "args");
        Assert.Equal("correlate", args[0]);
        Assert.Equal("kafka", args[args.IndexOf("--output") + 1]);
        // One id per member, stable across its restarts: the pod's name.
        Assert.Equal("$(POD_NAME)", args[args.IndexOf("--kafka-transactional-id") + 1]);
        YamlMappingNode podName = Sequence(member, "env").Cast<YamlMappingNode>().Single(static e => Scalar(e, "name") == "POD_NAME");
        Assert.Equal("metadata.name", Scalar(podName, "valueFrom.fieldRef.fieldPath"));
        string listen = args[args.IndexOf("--http-listen") + 1];
        Assert.Equal(Scalar((YamlMappingNode)Assert.Single(Sequence(member, "ports")), "containerPort"), listen[(listen.LastIndexOf(':') + 1)..]);
        foreach (string probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            Assert.Equal("/healthz", Scalar(member, $"{probe}.httpGet.path"));
        }
        // Above the measured peak RSS at a million held connections (287 MiB).
        Assert.True(MiB(Scalar(member, "resources.limits.memory")) > 287, "memory limit below the measured peak");

        // The arguments run: a member started with them (the cluster's address replaced by a mock cluster's, with the
        // topics the manifest's comment says to create) joins the group and stops cleanly on SIGTERM.
        using var cluster = new MockKafkaCluster(3);
        foreach (string topic in new[] { "socket-agent.flows", "socket-agent.connections", "socket-agent-correlate.state" })
        {
            cluster.CreateTopic(topic, partitions: 6);
        }
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        string[] local = [.. args.Select(a => a.StartsWith("kafka-0.", StringComparison.Ordinal) ? cluster.BootstrapServers
            : a == "$(POD_NAME)" ? "socket-agent-correlate-0" : a == listen ? $"127.0.0.1:{port}" : a)];
        using DaemonProcess process = DaemonProcess.Start(local);
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!process.StandardError.Contains("partitions assigned", StringComparison.Ordinal) && !process.HasExited && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(200);
        }
        Assert.True(process.StandardError.Contains("partitions assigned", StringComparison.Ordinal), process.StandardError);
        Assert.Equal(0, process.Terminate(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void The_service_account_may_read_its_nodes_pod_list_from_the_kubelet_and_nothing_more()
    {
        // The role grants what the kubelet's authorizer checks for GET /pods, read-only.
        YamlMappingNode role = Assert.Single(Documents("clusterrole.yaml"));
        YamlMappingNode rule = (YamlMappingNode)Assert.Single(Sequence(role, "rules"));
        Assert.Equal([""], Strings(rule, "apiGroups"));
        Assert.Equal([PodListSource.KubeletResource], Strings(rule, "resources"));
        Assert.Equal(["get"], Strings(rule, "verbs"));

        YamlMappingNode binding = Assert.Single(Documents("clusterrolebinding.yaml"));
        Assert.Equal("ClusterRole", Scalar(binding, "roleRef.kind"));
        Assert.Equal(Scalar(role, "metadata.name"), Scalar(binding, "roleRef.name"));
        YamlMappingNode subject = (YamlMappingNode)Assert.Single(Sequence(binding, "subjects"));
        Assert.Equal("ServiceAccount", Scalar(subject, "kind"));
        YamlMappingNode account = Assert.Single(Documents("serviceaccount.yaml"));
        Assert.Equal(Scalar(account, "metadata.name"), Scalar(subject, "name"));
        Assert.Equal(Scalar(account, "metadata.namespace"), Scalar(subject, "namespace"));

        // The pod runs as that account with its token mounted where the agent reads it by default.
        YamlMappingNode spec = Mapping(Assert.Single(Documents("daemonset.yaml")), "spec.template.spec");
        Assert.Equal(Scalar(account, "metadata.name"), Scalar(spec, "serviceAccountName"));
        Assert.NotEqual("false", Scalar(spec, "automountServiceAccountToken"));
        Assert.NotEqual("false", Scalar(account, "automountServiceAccountToken"));
        Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount/token", new KubernetesPodOptions().TokenFile);

        // The node's name and the kubelet's address come from the downward API.
        YamlMappingNode agent = (YamlMappingNode)Assert.Single(Sequence(spec, "containers"));
        var env = Sequence(agent, "env").Cast<YamlMappingNode>().ToDictionary(static e => Scalar(e, "name")!);
        Assert.Equal("spec.nodeName", Scalar(env[KubernetesPodOptions.NodeNameVariable], "valueFrom.fieldRef.fieldPath"));
        Assert.Equal("status.hostIP", Scalar(env["HOST_IP"], "valueFrom.fieldRef.fieldPath"));
        Assert.Equal($"https://$(HOST_IP):{PodListSource.KubeletPort}", Scalar(env["SOCKETAGENT_CONTAINERS__KUBERNETES__KUBELET_URL"], "value"));
        AgentOptions options = AgentConfigurationLoader.Load(null,
            new System.Collections.Hashtable { ["SOCKETAGENT_CONTAINERS__KUBERNETES__KUBELET_URL"] = "https://10.20.0.12:10250" }, new Dictionary<string, string?>());
        Assert.Equal(new Uri("https://10.20.0.12:10250"), options.Kubernetes.KubeletUrl);
    }

    [Fact]
    public void The_configmap_loads_through_the_agents_own_loader()
    {
        YamlMappingNode configMap = Assert.Single(Documents("configmap.yaml"));
        string yaml = Scalar(configMap, "data.socket-agent.yaml")!;
        string path = Path.Combine(Directory.CreateTempSubdirectory("sa-k8s-config-").FullName, "socket-agent.yaml");
        try
        {
            File.WriteAllText(path, yaml);

            AgentOptions options = AgentConfigurationLoader.LoadFile(path);

            Assert.Equal(["kafka"], options.Outputs.Kinds);
            Assert.NotEmpty(options.Outputs.KafkaBootstrapServers);
            Assert.Equal(NetworkNamespaceSelectionKind.All, options.Netns.Kind);
            Assert.Equal("/var/lib/socket-agent", options.StateDirectory);
            Assert.Equal(KubernetesPodSourceKind.Kubelet, options.Kubernetes.Source);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void The_service_is_headless_and_the_servicemonitor_scrapes_its_metrics_port()
    {
        YamlMappingNode service = Assert.Single(Documents("service.yaml"));
        Assert.Equal("None", Scalar(service, "spec.clusterIP"));
        YamlMappingNode port = (YamlMappingNode)Assert.Single(Sequence(service, "spec.ports"));
        Assert.Equal("metrics", Scalar(port, "name"));
        Assert.Equal("metrics", Scalar(port, "targetPort"));
        Assert.Equal("socket-agent", Scalar(service, "spec.selector.app.kubernetes.io/name"));

        YamlMappingNode monitor = Assert.Single(Documents("servicemonitor.yaml"));
        Assert.Equal("socket-agent", Scalar(monitor, "spec.selector.matchLabels.app.kubernetes.io/name"));
        YamlMappingNode endpoint = (YamlMappingNode)Assert.Single(Sequence(monitor, "spec.endpoints"));
        Assert.Equal("metrics", Scalar(endpoint, "port"));
        Assert.Equal("/metrics", Scalar(endpoint, "path"));
    }

    private static List<YamlMappingNode> Documents(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(RepositoryFiles.PathOf($"{Folder}/{file}")))
        {
            stream.Load(reader);
        }
        return [.. stream.Documents.Select(static d => Assert.IsType<YamlMappingNode>(d.RootNode))];
    }

    private static YamlMappingNode Volume(YamlMappingNode podSpec, string name) =>
        Sequence(podSpec, "volumes").Cast<YamlMappingNode>().Single(v => Scalar(v, "name") == name);

    private static double MiB(string? quantity) => quantity switch
    {
        null => 0,
        _ when quantity.EndsWith("Gi", StringComparison.Ordinal) => double.Parse(quantity[..^2], System.Globalization.CultureInfo.InvariantCulture) * 1024,
        _ when quantity.EndsWith("Mi", StringComparison.Ordinal) => double.Parse(quantity[..^2], System.Globalization.CultureInfo.InvariantCulture),
        _ => double.Parse(quantity, System.Globalization.CultureInfo.InvariantCulture) / (1 << 20),
    };

    /// <summary>
    /// A node by a dotted path; a key that itself holds dots (a label such as app.kubernetes.io/name, a file name
    /// such as socket-agent.yaml) is matched greedily, longest key first.
    /// </summary>
    private static YamlNode? Find(YamlNode node, string path)
    {
        if (path.Length == 0)
        {
            return node;
        }
        if (node is not YamlMappingNode mapping)
        {
            return null;
        }
        foreach ((YamlNode key, YamlNode value) in mapping.Children.OrderByDescending(static c => ((YamlScalarNode)c.Key).Value!.Length))
        {
            string name = ((YamlScalarNode)key).Value!;
            if (path == name)
            {
                return value;
            }
            if (path.StartsWith(name + ".", StringComparison.Ordinal) && Find(value, path[(name.Length + 1)..]) is YamlNode found)
            {
                return found;
            }
        }
        return null;
    }

    private static string? Scalar(YamlNode node, string path) => (Find(node, path) as YamlScalarNode)?.Value;

    private static YamlMappingNode Mapping(YamlNode node, string path) => Assert.IsType<YamlMappingNode>(Find(node, path));

    private static YamlSequenceNode Sequence(YamlNode node, string path) => Assert.IsType<YamlSequenceNode>(Find(node, path));

    private static List<string> Strings(YamlNode node, string path) =>
        [.. Sequence(node, path).Select(static n => ((YamlScalarNode)n).Value!)];
}
