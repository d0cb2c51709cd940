using System.Net;
using System.Text.RegularExpressions;
using SocketAgent.Cli.Hosting.Operations;
using SocketAgent.Cli.Logging;
using SocketAgent.Collection;
using SocketAgent.Collection.Namespaces;
using SocketAgent.Encoders.Json;
using SocketAgent.Model;

namespace SocketAgent.Cli.Configuration;

/// <summary>
/// The table of every setting the agent knows — its key, what it accepts, its text in <see cref="AgentSettingsText"/>
/// and its <see cref="AgentOptions"/> value. A key not in it is refused (a typo must not pass silently).
/// </summary>
internal static class AgentSettings
{
    private const string DurationExpected = DurationText.Expected + " (more than 0, at most 24h)";
    private const string BooleanExpected = "true or false";
    private const string TransportsExpected = "a list of tcp, udp, raw, unix";

    /// <summary>What an empty filter criterion means, for each criterion's expected text.</summary>
    private const string AnyWhenEmpty = " (empty: not checked)";

    private static readonly TimeSpan s_longest = TimeSpan.FromHours(24);

    private static readonly string[] s_states =
    [
        "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
        "LISTEN", "CLOSING", "LISTENING", "CONNECTED", "CONNECTING", "DISCONNECTING",
    ];

    public static readonly IReadOnlyList<AgentSetting> All = Build();

    /// <summary>Section keys (no value of their own): the settings' parents, so the table stays the one list of keys.</summary>
    public static readonly IReadOnlySet<string> Sections = ParentsOf(All);

    public static AgentSetting? Find(string key)
    {
        foreach (AgentSetting setting in All)
        {
            if (setting.Key == key)
            {
                return setting;
            }
        }
        return null;
    }

    private static HashSet<string> ParentsOf(IEnumerable<AgentSetting> settings)
    {
        var parents = new HashSet<string>(StringComparer.Ordinal);
        foreach (AgentSetting setting in settings)
        {
            for (int colon = setting.Key.IndexOf(':'); colon > 0; colon = setting.Key.IndexOf(':', colon + 1))
            {
                parents.Add(setting.Key[..colon]);
            }
        }
        return parents;
    }

    private static List<AgentSetting> Build()
    {
        var settings = new List<AgentSetting>
        {
            AgentSetting.Scalar("interval", DurationExpected, static t => t.Interval, static (o, v) => TryDuration(v, d => o.Interval = d)),
            AgentSetting.Scalar("stats_interval", DurationExpected, static t => t.StatsInterval, static (o, v) => TryDuration(v, d => o.StatsInterval = d)),
            AgentSetting.Scalar("heartbeat", DurationExpected, static t => t.Heartbeat, static (o, v) => TryDuration(v, d => o.Heartbeat = d)),
            AgentSetting.Scalar("state_dir", "a directory path", static t => t.StateDir, static (o, v) =>
            {
                o.StateDirectory = v;
                return v.Length > 0 && v.IndexOf('\0') < 0;
            }),
            AgentSetting.Scalar("host_name", "a host name (empty: the kernel hostname)", static t => t.HostName, static (o, v) =>
            {
                o.HostName = v.Length == 0 ? null : v;
                return v.IndexOfAny(['\0', '\n']) < 0;
            }),
            AgentSetting.Scalar("source", "auto, ebpf, netlink or procfs", static t => t.Source, static (o, v) =>
            {
                SocketSourceKind? kind = v switch
                {
                    "auto" => SocketSourceKind.Auto,
                    "ebpf" => SocketSourceKind.Ebpf,
                    "netlink" => SocketSourceKind.Netlink,
                    "procfs" => SocketSourceKind.Procfs,
                    _ => null,
                };
                o.Source = kind.GetValueOrDefault();
                return kind is not null;
            }),
            AgentSetting.Scalar("fields", "minimal, default or full", static t => t.Fields, static (o, v) =>
            {
                FieldProfile? profile = FieldProfiles.Parse(v);
                o.Fields = profile.GetValueOrDefault(FieldProfile.Default);
                return profile is not null;
            }),
            AgentSetting.Scalar("netns", "host, all or an absolute path such as /run/netns/NAME or /proc/PID/ns/net", static t => t.Netns, static (o, v) =>
            {
                if (v != "host" && v != "all" && !v.StartsWith('/'))
                {
                    return false;
                }
                o.Netns = NetworkNamespaceSelection.Parse(v);
                return true;
            }),
            AgentSetting.List("collect:transports", TransportsExpected + " (empty: no sockets)", static t => t.Collect?.Transports, static (o, v) => TryTransports(v, t => o.Collect.Transports = t)),
            AgentSetting.Scalar("collect:interfaces", BooleanExpected, static t => t.Collect?.Interfaces, static (o, v) => TryBoolean(v, b => o.Collect.Interfaces = b)),
            AgentSetting.Scalar("collect:routes", BooleanExpected, static t => t.Collect?.Routes, static (o, v) => TryBoolean(v, b => o.Collect.Routes = b)),
            AgentSetting.Scalar("collect:statistics", BooleanExpected, static t => t.Collect?.Statistics, static (o, v) => TryBoolean(v, b => o.Collect.Statistics = b)),
            AgentSetting.Scalar("filters:drop_loopback", BooleanExpected, static t => t.Filters?.DropLoopback, static (o, v) => TryBoolean(v, b => o.Filters.DropLoopback = b)),
            AgentSetting.Scalar("redaction:enabled", BooleanExpected, static t => t.Redaction?.Enabled, static (o, v) => TryBoolean(v, b => o.Redaction.Enabled = b)),
            AgentSetting.List("redaction:patterns", "a list of regular expressions (.NET syntax; empty: only the built-in ones)", static t => t.Redaction?.Patterns, static (o, v) => TryRegexes(v, r => o.Redaction.Patterns = r)),
            AgentSetting.List("redaction:flags", "a list of flags starting with '-', such as --api-key (empty: only the built-in ones)", static t => t.Redaction?.Flags, static (o, v) =>
            {
                foreach (string flag in v)
                {
                    if (flag.Length < 2 || flag[0] != '-' || flag.Contains(' '))
                    {
                        return flag;
                    }
                }
                o.Redaction.Flags = [.. v];
                return null;
            }),
            // Empty is refused rather than read as stdout: a config that names no output is a mistake, and stdout
            // chosen silently in its place could be a daemon writing its events where nobody reads them.
            AgentSetting.List("outputs", "at least one of stdout, file, kafka", static t => t.Outputs, static (o, v) =>
            {
                if (v.Count == 0)
                {
                    return string.Empty;
                }
                foreach (string kind in v)
                {
                    if (kind is not ("stdout" or "file" or "kafka"))
                    {
                        return kind;
                    }
                }
                o.Outputs.Kinds = [.. v.Distinct(StringComparer.Ordinal)];
                return null;
            }),
            AgentSetting.Scalar("file:path", "a file path", static t => t.File?.Path, static (o, v) =>
            {
                o.Outputs.FilePath = v;
                return v.Length > 0 && v.IndexOf('\0') < 0 && !v.EndsWith('/');
            }),
            AgentSetting.Scalar("file:max_bytes", "a size in bytes of at least 4096", static t => t.File?.MaxBytes, static (o, v) =>
            {
                bool ok = long.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n) && n >= 4096;
                o.Outputs.FileMaxBytes = n;
                return ok;
            }),
            AgentSetting.Scalar("file:max_age", DurationExpected, static t => t.File?.MaxAge, static (o, v) => TryDuration(v, d => o.Outputs.FileMaxAge = d)),
            AgentSetting.Scalar("file:keep", "a number of files from 0 to 1000", static t => t.File?.Keep, static (o, v) =>
            {
                bool ok = int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n <= 1000;
                o.Outputs.FileKeep = n;
                return ok;
            }),
            AgentSetting.Scalar("file:compress", BooleanExpected, static t => t.File?.Compress, static (o, v) => TryBoolean(v, b => o.Outputs.FileCompress = b)),
            AgentSetting.Scalar("kafka:bootstrap_servers", "host:port[,host:port...]", static t => t.Kafka?.BootstrapServers, static (o, v) =>
            {
                o.Outputs.KafkaBootstrapServers = v;
                return v.IndexOfAny([' ', '\n', '\0']) < 0;
            }),
            AgentSetting.Scalar("kafka:topic", "a Kafka topic name ([A-Za-z0-9._-], at most 249 characters)", static t => t.Kafka?.Topic, static (o, v) =>
            {
                o.Outputs.KafkaTopic = v;
                return IsTopic(v);
            }),
            AgentSetting.Scalar("kafka:flow_topic", "a Kafka topic name, or empty for none", static t => t.Kafka?.FlowTopic, static (o, v) =>
            {
                o.Outputs.KafkaFlowTopic = v;
                return v.Length == 0 || IsTopic(v);
            }),
            AgentSetting.List("kafka:topics", "a list of dataset=topic pairs such as socket=net.sockets (empty: kafka.topic for every dataset)", static t => t.Kafka?.Topics, static (o, v) =>
                TryPairs(v, static (key, value) => key is "socket" or "route" or "interface" or "netstat" or "agent" && IsTopic(value), map => o.Outputs.KafkaTopics = map)),
            AgentSetting.Scalar("kafka:compression", "zstd, lz4, gzip, snappy or none", static t => t.Kafka?.Compression, static (o, v) =>
            {
                o.Outputs.KafkaCompression = v;
                return v is "zstd" or "lz4" or "gzip" or "snappy" or "none";
            }),
            AgentSetting.List("kafka:properties", "a list of librdkafka key=value pairs such as security.protocol=SASL_SSL (empty: none)", static t => t.Kafka?.Properties, static (o, v) =>
                TryPairs(v, static (key, _) => key.Length > 0 && key.All(static c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_'), map => o.Outputs.KafkaProperties = map)),
            AgentSetting.Scalar("spool:max_bytes", "a size in bytes of at least 1048576", static t => t.Spool?.MaxBytes, static (o, v) =>
            {
                bool ok = long.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n) && n >= 1 << 20;
                o.Outputs.SpoolMaxBytes = n;
                return ok;
            }),
            AgentSetting.Scalar("ebpf:ring_buffer_bytes", "a power of two of at least 4096 (bytes)", static t => t.Ebpf?.RingBufferBytes, static (o, v) =>
            {
                bool ok = int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n)
                    && n >= 4096 && (n & (n - 1)) == 0;
                o.EbpfRingBufferBytes = n;
                return ok;
            }),
            AgentSetting.Scalar("ebpf:udp_flows", "a number of flows of at least 1024", static t => t.Ebpf?.UdpFlows, static (o, v) =>
            {
                bool ok = int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n >= 1024;
                o.EbpfUdpFlows = n;
                return ok;
            }),
            AgentSetting.Scalar("ebpf:udp_idle_timeout", "a duration such as 60s, up to 24h", static t => t.Ebpf?.UdpIdleTimeout, static (o, v) =>
                TryDuration(v, d => o.EbpfUdpIdleTimeout = d)),
            AgentSetting.Scalar("http:listen", HttpListenAddress.Expected, static t => t.Http?.Listen, static (o, v) =>
            {
                bool ok = HttpListenAddress.TryParse(v, out IPEndPoint? endpoint);
                o.HttpListen = endpoint;
                return ok;
            }),
            AgentSetting.Scalar("otlp:endpoint", "an http:// or https:// URL of an OTLP receiver, such as http://127.0.0.1:4318 (empty: off)",
                static t => t.Otlp?.Endpoint, static (o, v) =>
            {
                if (v.Length == 0)
                {
                    o.OtlpEndpoint = null;
                    return true;
                }
                bool ok = Hosting.Telemetry.TelemetryExport.TryParseEndpoint(v, out Uri? endpoint);
                o.OtlpEndpoint = endpoint;
                return ok;
            }),
            AgentSetting.Scalar("containers:docker_socket", "the path of Docker Engine's API socket, such as /var/run/docker.sock (empty: off)",
                static t => t.Containers?.DockerSocket, static (o, v) =>
            {
                o.DockerSocket = v;
                return v.Length == 0 || v[0] == '/';
            }),
            AgentSetting.Scalar("containers:kubernetes:source", "auto, kubelet, apiserver or off", static t => t.Containers?.Kubernetes?.Source, static (o, v) =>
            {
                KubernetesPodSourceKind? kind = KubernetesPodOptions.Parse(v);
                o.Kubernetes.Source = kind.GetValueOrDefault();
                return kind is not null;
            }),
            AgentSetting.Scalar("containers:kubernetes:node_name", "a Kubernetes node name (empty: $NODE_NAME)", static t => t.Containers?.Kubernetes?.NodeName, static (o, v) =>
            {
                o.Kubernetes.NodeName = v;
                return v.Length == 0 || IsNodeName(v);
            }),
            AgentSetting.Scalar("containers:kubernetes:kubelet_url", "an https:// URL such as https://10.0.0.5:10250 (empty: https://NODE_NAME:10250)",
                static t => t.Containers?.Kubernetes?.KubeletUrl, static (o, v) =>
            {
                if (v.Length == 0)
                {
                    o.Kubernetes.KubeletUrl = null;
                    return true;
                }
                bool ok = Uri.TryCreate(v, UriKind.Absolute, out Uri? url) && url.Scheme == Uri.UriSchemeHttps && url.AbsolutePath == "/" && url.Query.Length == 0;
                o.Kubernetes.KubeletUrl = url;
                return ok;
            }),
            AgentSetting.Scalar("containers:kubernetes:token_file", "the path of the service-account token file", static t => t.Containers?.Kubernetes?.TokenFile, static (o, v) =>
            {
                o.Kubernetes.TokenFile = v;
                return v.Length > 0 && v[0] == '/';
            }),
            AgentSetting.Scalar("containers:kubernetes:ca_file", "the path of a PEM CA certificate file", static t => t.Containers?.Kubernetes?.CaFile, static (o, v) =>
            {
                o.Kubernetes.CaFile = v;
                return v.Length > 0 && v[0] == '/';
            }),
            AgentSetting.Scalar("containers:kubernetes:kubelet_insecure_tls", BooleanExpected, static t => t.Containers?.Kubernetes?.KubeletInsecureTls,
                static (o, v) => TryBoolean(v, b => o.Kubernetes.KubeletInsecureTls = b)),
            AgentSetting.Scalar(LogOptions.SettingKey, LogFormats.Expected, static t => t.Log?.Format, static (o, v) =>
            {
                LogFormat? format = LogFormats.Parse(v);
                o.LogFormat = format.GetValueOrDefault();
                return format is not null;
            }),
        };
        AddRule(settings, "filters:include", static t => t.Filters?.Include, static o => o.Filters.Include);
        AddRule(settings, "filters:exclude", static t => t.Filters?.Exclude, static o => o.Filters.Exclude);
        return settings;
    }

    private static void AddRule(List<AgentSetting> settings, string prefix, Func<AgentSettingsText, AgentSettingsText.FilterRuleText?> ruleText, Func<AgentOptions, FilterRule> rule)
    {
        settings.Add(AgentSetting.List($"{prefix}:transports", TransportsExpected + AnyWhenEmpty, t => ruleText(t)?.Transports, (o, v) => TryTransports(v, t => rule(o).Transports = t)));
        settings.Add(AgentSetting.List($"{prefix}:states", "a list of socket states: " + string.Join(", ", s_states) + AnyWhenEmpty, t => ruleText(t)?.States, (o, v) =>
        {
            var states = new List<string>(v.Count);
            foreach (string state in v)
            {
                string upper = state.ToUpperInvariant();
                if (Array.IndexOf(s_states, upper) < 0)
                {
                    return state;
                }
                states.Add(upper);
            }
            rule(o).States = states;
            return null;
        }));
        settings.Add(AgentSetting.List($"{prefix}:local_ports", "a list of ports or ranges such as 22 or 8000-8999 (0-65535)" + AnyWhenEmpty, t => ruleText(t)?.LocalPorts, (o, v) => TryPorts(v, p => rule(o).LocalPorts = p)));
        settings.Add(AgentSetting.List($"{prefix}:remote_ports", "a list of ports or ranges such as 443 or 1024-65535 (0-65535)" + AnyWhenEmpty, t => ruleText(t)?.RemotePorts, (o, v) => TryPorts(v, p => rule(o).RemotePorts = p)));
        settings.Add(AgentSetting.List($"{prefix}:processes", "a list of process names such as sshd" + AnyWhenEmpty, t => ruleText(t)?.Processes, (o, v) =>
        {
            foreach (string name in v)
            {
                if (name.Length == 0 || name.Contains('/'))
                {
                    return name;
                }
            }
            rule(o).Processes = [.. v];
            return null;
        }));
        settings.Add(AgentSetting.List($"{prefix}:pids", "a list of process ids (positive integers)" + AnyWhenEmpty, t => ruleText(t)?.Pids, (o, v) =>
        {
            var pids = new List<int>(v.Count);
            foreach (string text in v)
            {
                if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid) || pid <= 0)
                {
                    return text;
                }
                pids.Add(pid);
            }
            rule(o).Pids = pids;
            return null;
        }));
        settings.Add(AgentSetting.List($"{prefix}:command_lines", "a list of regular expressions (.NET syntax) searched in the command line" + AnyWhenEmpty, t => ruleText(t)?.CommandLines, (o, v) => TryRegexes(v, r => rule(o).CommandLines = r)));
    }

    private static bool TryDuration(string text, Action<TimeSpan> set)
    {
        if (!DurationText.TryParse(text, out TimeSpan duration) || duration <= TimeSpan.Zero || duration > s_longest)
        {
            return false;
        }
        set(duration);
        return true;
    }

    private static bool IsTopic(string name) =>
        name.Length is > 0 and <= 249 && name is not ("." or "..") && name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>key=value items into a map; returns the first refused item.</summary>
    private static string? TryPairs(IReadOnlyList<string> values, Func<string, string, bool> valid, Action<IReadOnlyDictionary<string, string>> set)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string item in values)
        {
            int eq = item.IndexOf('=');
            if (eq <= 0 || !valid(item[..eq], item[(eq + 1)..]))
            {
                return item;
            }
            map[item[..eq]] = item[(eq + 1)..];
        }
        set(map);
        return null;
    }

    /// <summary>A DNS subdomain name (RFC 1123), as Kubernetes names nodes: lowercase labels of letters, digits and inner dashes.</summary>
    private static bool IsNodeName(string text) =>
        text.Length <= 253 && text.Split('.').All(static label =>
            label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-'
            && label.All(static c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'));

    private static bool TryBoolean(string text, Action<bool> set)
    {
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            set(true);
            return true;
        }
        if (text.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            set(false);
            return true;
        }
        return false;
    }

    private static string? TryTransports(IReadOnlyList<string> values, Action<TransportSet> set)
    {
        TransportSet transports = TransportSet.None;
        foreach (string value in values)
        {
            TransportSet one = value.ToLowerInvariant() switch
            {
                "tcp" => TransportSet.Tcp,
                "udp" => TransportSet.Udp,
                "raw" => TransportSet.Raw,
                "unix" => TransportSet.Unix,
                _ => TransportSet.None,
            };
            if (one == TransportSet.None)
            {
                return value;
            }
            transports |= one;
        }
        set(transports);
        return null;
    }

    private static string? TryPorts(IReadOnlyList<string> values, Action<IReadOnlyList<PortRange>> set)
    {
        var ranges = new List<PortRange>(values.Count);
        foreach (string value in values)
        {
            if (!PortRange.TryParse(value, out PortRange range))
            {
                return value;
            }
            ranges.Add(range);
        }
        set(ranges);
        return null;
    }

    private static string? TryRegexes(IReadOnlyList<string> values, Action<IReadOnlyList<Regex>> set)
    {
        var regexes = new List<Regex>(values.Count);
        foreach (string value in values)
        {
            try
            {
                // A bounded match time: a pathological pattern in a config file must not stall a cycle.
                regexes.Add(new Regex(value, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)));
            }
            catch (ArgumentException)
            {
                return value;
            }
        }
        set(regexes);
        return null;
    }

    /// <summary>The transport names of a set, in the order the example file lists them.</summary>
    public static IEnumerable<string> TransportNames(TransportSet set)
    {
        if ((set & TransportSet.Tcp) != 0) yield return "tcp";
        if ((set & TransportSet.Udp) != 0) yield return "udp";
        if ((set & TransportSet.Raw) != 0) yield return "raw";
        if ((set & TransportSet.Unix) != 0) yield return "unix";
    }
}
