namespace SocketAgent.Tests.Deployment;

/// <summary>
/// deploy/systemd/socket-agent.service passes <c>systemd-analyze verify</c> without a single complaint, and holds the
/// directives the hardening depends on — including the ones it must not hold (they would blind the agent).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SystemdUnitTests
{
    private const string UnitPath = "deploy/systemd/socket-agent.service";
    private const string ShippedBinary = "/usr/local/bin/socket-agent";

    [Fact]
    public void The_unit_passes_systemd_analyze_verify_without_warnings()
    {
        string? analyze = ToolRun.Find("/usr/bin/systemd-analyze", "/bin/systemd-analyze");
        Assert.SkipWhen(analyze is null, "systemd-analyze is not installed");

        // verify checks that ExecStart's binary exists: a copy of the unit points at a stand-in executable.
        string dir = Directory.CreateTempSubdirectory("sa-unit-").FullName;
        try
        {
            string binary = Path.Combine(dir, "socket-agent");
            File.Copy("/bin/true", binary);
            string unit = Path.Combine(dir, "socket-agent.service");
            string text = RepositoryFiles.Read(UnitPath);
            Assert.Contains(ShippedBinary, text);
            File.WriteAllText(unit, text.Replace(ShippedBinary, binary, StringComparison.Ordinal));

            ToolRun.Result verify = ToolRun.Run(analyze!, ["verify", "--man=no", unit], TimeSpan.FromSeconds(60));
            // verify exits 0 even for an unknown key or an unparsable value ("…, ignoring."): any line is a failure.
            Assert.True(verify.ExitCode == 0 && verify.StandardError.Length == 0 && verify.StandardOutput.Length == 0,
                $"systemd-analyze verify: {verify}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_unit_is_a_hardened_notify_service_with_exactly_the_measured_capabilities()
    {
        ILookup<string, string> service = Section(RepositoryFiles.Read(UnitPath), "Service");

        Assert.Equal("notify", Single(service, "Type"));
        string execStart = Single(service, "ExecStart");
        Assert.StartsWith(ShippedBinary + " --config /etc/socket-agent/socket-agent.yaml", execStart);
        // The agent's state directory is the one systemd creates and owns for the service (%S = /var/lib).
        Assert.Equal("socket-agent", Single(service, "StateDirectory"));
        Assert.Contains("--state-dir %S/socket-agent", execStart);

        Assert.Equal("yes", Single(service, "DynamicUser"));
        string[] capabilities = [.. RepositoryFiles.DocumentedCapabilities.Select(static c => "CAP_" + c).Order()];
        Assert.Equal(capabilities, Single(service, "AmbientCapabilities").Split(' ').Order());
        Assert.Equal(capabilities, Single(service, "CapabilityBoundingSet").Split(' ').Order());
        Assert.Equal("yes", Single(service, "NoNewPrivileges"));
        Assert.Equal("strict", Single(service, "ProtectSystem"));
        Assert.Equal("yes", Single(service, "ProtectHome"));
        Assert.Equal("yes", Single(service, "PrivateTmp"));
        Assert.Equal(["AF_INET", "AF_INET6", "AF_NETLINK", "AF_UNIX"], Single(service, "RestrictAddressFamilies").Split(' ').Order());
        Assert.Equal("@system-service", Single(service, "SystemCallFilter"));
        // setns() for network namespaces must stay allowed.
        Assert.Equal("net", Single(service, "RestrictNamespaces"));
        Assert.Equal("on-failure", Single(service, "Restart"));
        Assert.NotNull(Single(service, "RestartSec"));
        Assert.NotNull(Single(service, "LimitNOFILE"));

        // Each of these would hide the host's processes, /proc/net or namespaces from the agent.
        foreach (string blinding in new[] { "ProtectProc", "ProcSubset", "PrivateNetwork", "PrivateUsers", "PrivatePIDs" })
        {
            Assert.Empty(service[blinding]);
        }
    }

    private static string Single(ILookup<string, string> section, string key) => Assert.Single(section[key]);

    /// <summary>The Key=Value lines of one [Section], comments and blank lines skipped.</summary>
    private static ILookup<string, string> Section(string unit, string name)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        string? current = null;
        foreach (string raw in unit.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }
            if (line[0] == '[')
            {
                current = line.Trim('[', ']');
                continue;
            }
            int eq = line.IndexOf('=');
            if (current == name && eq > 0)
            {
                pairs.Add(new(line[..eq].Trim(), line[(eq + 1)..].Trim()));
            }
        }
        return pairs.ToLookup(static p => p.Key, static p => p.Value, StringComparer.Ordinal);
    }
}
