using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.Deployment;

/// <summary>
/// The Dockerfile: its build stage runs the very script CI runs; the image runs non-root with the measured file
/// capabilities, a health check, a state volume and OCI labels. The file-capability design is checked on this
/// kernel without Docker (a non-root process with exactly those file capabilities sees a root-owned socket's owner;
/// the two ways it fails are the documented ones); the image itself is built and run where a Docker engine exists.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class DockerfileTests
{
    private const string PublishScript = "build/publish-aot.sh";

    private static string Dockerfile => RepositoryFiles.Read("Dockerfile");

    [Fact]
    public void The_build_stage_runs_the_same_publish_script_as_CI()
    {
        string script = RepositoryFiles.Read(PublishScript);
        Assert.Matches(@"dotnet publish src/SocketAgent/SocketAgent\.csproj -c Release -r linux-x64 -p:PublishAot=true", script);

        // CI: .ci/run → tests/run-tests.sh → tests/aot-check.sh → build/publish-aot.sh.
        Assert.Contains("tests/aot-check.sh", RepositoryFiles.Read("tests/run-tests.sh"));
        Assert.Contains(PublishScript, RepositoryFiles.Read("tests/aot-check.sh"));
        Assert.Matches(@"(?m)^RUN build/publish-aot\.sh /out$", Dockerfile);

        // No second publish command anywhere that could drift from the script.
        foreach (string file in new[] { "Dockerfile", "tests/aot-check.sh", "tests/run-tests.sh" })
        {
            Assert.DoesNotContain("dotnet publish", RepositoryFiles.Read(file).Split('\n').Where(static l => !l.TrimStart().StartsWith('#')).Aggregate("", string.Concat));
        }
        // What the runtime stage copies is what the script produces.
        Assert.Contains("COPY --from=build /out/socket-agent ", Dockerfile);
    }

    [Fact]
    public void The_image_runs_non_root_with_a_healthcheck_a_state_volume_and_labels()
    {
        string dockerfile = Dockerfile;

        Match user = Regex.Match(dockerfile, @"(?m)^USER (\d+)(:\d+)?$");
        Assert.True(user.Success, "no numeric USER (Kubernetes' runAsNonRoot can only check a numeric one)");
        Assert.NotEqual("0", user.Groups[1].Value);
        Assert.Matches(@"(?m)^HEALTHCHECK .*\\\n\s+CMD \[""/usr/local/bin/socket-agent"", ""healthcheck""\]", dockerfile);
        Assert.Matches(@"(?m)^ENTRYPOINT \[""/usr/local/bin/socket-agent""\]$", dockerfile);
        Assert.Matches(@"(?m)^VOLUME \[""/var/lib/socket-agent""\]$", dockerfile);
        foreach (string label in new[] { "title", "description", "licenses", "version", "revision" })
        {
            Assert.Contains($"org.opencontainers.image.{label}=", dockerfile);
        }
        // The health check's default URL is the listener the default command opens.
        Assert.Contains(@"CMD [""--http-listen"", ""127.0.0.1:9464""]", dockerfile);
        Assert.Equal(2, Regex.Matches(dockerfile, @"(?m)^FROM ").Count);
    }

    [Fact]
    public void The_file_capabilities_are_exactly_the_measured_set()
    {
        Assert.Equal(RepositoryFiles.DocumentedCapabilities.Select(static c => "cap_" + c.ToLowerInvariant()).Order(), FileCapabilities().Order());
    }

    [Fact]
    public void A_non_root_process_with_the_images_file_capabilities_names_a_root_owned_sockets_process()
    {
        Assert.SkipUnless(Environment.UserName == "root", "setting file capabilities and switching users needs root");
        string? setcap = ToolRun.Find("/usr/sbin/setcap", "/sbin/setcap");
        Assert.SkipWhen(setcap is null, "setcap (libcap2-bin) is not installed");

        // The CLI's apphost and assemblies, copied: file capabilities are set on the copy, never on the build output.
        string dir = Directory.CreateTempSubdirectory("sa-filecaps-").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-c", "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            string binary = CopyCli(dir);
            ToolRun.Result set = ToolRun.Run(setcap!, [string.Join(',', FileCapabilities()) + "=ep", binary], TimeSpan.FromSeconds(10));
            Assert.True(set.ExitCode == 0, $"setcap: {set}");
            int port = int.Parse(holder.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);

            // The image's USER, no ambient capabilities: only the file's.
            ToolRun.Result asUser = RunAs(binary, []);
            Assert.True(asUser.ExitCode == 0, asUser.ToString());
            Assert.Equal(holder.Id, Num(Listener(asUser, port), "process.pid"));

            // no_new_privs (docker --security-opt no-new-privileges, allowPrivilegeEscalation: false): it starts, but
            // the file capabilities are ignored and the root-owned socket has no process.
            ToolRun.Result noNewPrivs = RunAs(binary, ["--no-new-privs"]);
            Assert.True(noNewPrivs.ExitCode == 0, noNewPrivs.ToString());
            Assert.Null(Num(Listener(noNewPrivs, port), "process.pid"));

            // One of the file's capabilities missing from the bounding set (a --cap-add forgotten): refused at exec.
            ToolRun.Result missing = RunAs(binary, ["--bounding-set=-sys_admin"]);
            Assert.NotEqual(0, missing.ExitCode);
            Assert.Contains("Operation not permitted", missing.StandardError);
        }
        finally
        {
            holder.StandardInput.Close();
            holder.WaitForExit(5000);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_image_builds_and_runs_once_where_a_Docker_engine_exists()
    {
        string? docker = ToolRun.Find("/usr/bin/docker", "/usr/local/bin/docker");
        Assert.SkipWhen(docker is null, "no Docker engine: the docker CLI is not installed");
        ToolRun.Result info = ToolRun.Run(docker!, ["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromSeconds(30));
        Assert.SkipWhen(info.ExitCode != 0, "no Docker engine: `docker info` failed: " + info.StandardError.Trim().ReplaceLineEndings(" "));

        string tag = $"socket-agent-test:{Environment.ProcessId}";
        try
        {
            ToolRun.Result build = ToolRun.Run(docker!, ["build", "-t", tag, RepositoryFiles.Root], TimeSpan.FromMinutes(20));
            Assert.True(build.ExitCode == 0, build.ToString());

            ToolRun.Result run = ToolRun.Run(docker!,
            [
                "run", "--rm", "--net=host", "--pid=host", "--cap-drop", "ALL",
                "--cap-add", "SYS_PTRACE", "--cap-add", "DAC_READ_SEARCH", "--cap-add", "SYS_ADMIN", "--cap-add", "BPF", "--cap-add", "PERFMON",
                "--security-opt", "apparmor=unconfined", tag, "--once", "-t",
            ], TimeSpan.FromMinutes(2));
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains(run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries),
                static l => l.Contains("\"dataset\":\"socket\"", StringComparison.Ordinal));
        }
        finally
        {
            ToolRun.Run(docker!, ["rmi", "-f", tag], TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>The Dockerfile's FILE_CAPS default, as capability names.</summary>
    private static string[] FileCapabilities()
    {
        Match match = FileCapsArgument().Match(Dockerfile);
        Assert.True(match.Success, "no ARG FILE_CAPS=…=ep in the Dockerfile");
        return match.Groups[1].Value.Split(',');
    }

    [GeneratedRegex(@"(?m)^ARG FILE_CAPS=([a-z_,]+)=ep$")]
    private static partial Regex FileCapsArgument();

    private static string CopyCli(string dir)
    {
        string source = AppContext.BaseDirectory;
        foreach (string file in Directory.GetFiles(source))
        {
            string name = Path.GetFileName(file);
            if (name == "socket-agent" || (name.EndsWith(".dll", StringComparison.Ordinal) && !name.StartsWith("xunit", StringComparison.OrdinalIgnoreCase))
                || name.StartsWith("socket-agent.", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(dir, name));
            }
        }
        return Path.Combine(dir, "socket-agent");
    }

    private static ToolRun.Result RunAs(string binary, string[] setprivOptions) =>
        ToolRun.Run("setpriv",
            ["--reuid=65532", "--regid=65532", "--clear-groups", .. setprivOptions, "--", "env", "DOTNET_EnableDiagnostics=0", binary, "--once", "-t"],
            TimeSpan.FromSeconds(60));

    private static JsonElement Listener(ToolRun.Result result, int port) =>
        Assert.Single(new AgentLines(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Where("tcp"),
            d => LocalPort(d) == port && Str(d, "socket.state") == "LISTEN");
}
