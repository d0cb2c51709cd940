using System.Text.Json;
using Microsoft.Extensions.Logging;
using SocketAgent.Tests.Daemon;
using SocketAgent.Tests.Logging;

namespace SocketAgent.Tests.Conformance;

/// <summary>
/// <c>--log-format json</c>'s documents against Elastic's published ECS definitions (<see cref="EcsDefinitions"/>, the
/// same fetched package as the event lines' conformance): every leaf is an ECS field and its value fits the field's
/// type. The daemon's own lines (a start, a signal it ignores, a reload it refuses) and, for the fields a running
/// agent is not made to produce on demand, a logged exception through the formatter.
/// </summary>
public sealed class EcsLogConformanceTests : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("socket-agent-ecs-log-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Every_field_of_the_json_log_lines_is_an_ECS_field_of_the_right_type()
    {
        EcsDefinitions ecs = EcsDefinitions.Instance;
        var lines = new List<string>(DaemonLines());
        Exception thrown;
        try
        {
            throw new InvalidOperationException("output kafka failed", new IOException("broken pipe"));
        }
        catch (InvalidOperationException ex)
        {
            thrown = ex;
        }
        lines.Add(EcsConsoleFormatterTests.Format(LogLevel.Critical, "SocketAgent.Cli.Hosting.AgentLoop", "the loop stopped", new EventId(12, "LoopFailed"), thrown));

        var errors = new EcsViolations();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            Check(document.RootElement, path: null, ecs, errors, seen, line);
        }

        Assert.True(errors.Count == 0, errors.Report($"{lines.Count} log lines do not conform to ECS {EcsDefinitions.Version}; violations"));
        // What the lines must carry between them, so the check above covered each.
        Assert.Superset(new HashSet<string>(StringComparer.Ordinal)
        {
            "@timestamp", "log.level", "log.logger", "message", "event.code", "event.action", "error.type", "error.message", "error.stack_trace",
            "ecs.version", "service.name", "process.pid",
        }, seen);
    }

    /// <summary>The daemon with <c>--log-format json</c>: SIGUSR1 (ignored, one info line), a refused reload (an error).</summary>
    private string[] DaemonLines()
    {
        string config = Path.Combine(_dir.FullName, "agent.yaml");
        File.WriteAllText(config, "interval: 200ms\nheartbeat: 500ms\nsource: netlink\n");
        using DaemonProcess agent = DaemonProcess.Start(["--config", config, "--state-dir", Path.Combine(_dir.FullName, "state"), "-t", "--log-format", "json"]);
        agent.WaitForLine(IsHeartbeat, s_wait);
        agent.Signal("USR1");
        File.WriteAllText(config, "interval: [\n");
        agent.Signal("HUP");
        agent.WaitForLine(IsHeartbeat, s_wait);
        agent.WaitForLine(IsHeartbeat, s_wait);
        Assert.Equal(0, agent.Terminate(s_wait));
        return agent.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static bool IsHeartbeat(string line) => line.Contains("\"heartbeat\"", StringComparison.Ordinal);

    private static void Check(JsonElement value, string? path, EcsDefinitions ecs, EcsViolations errors, HashSet<string> seen, string line)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in value.EnumerateObject())
            {
                Check(property.Value, path is null ? property.Name : $"{path}.{property.Name}", ecs, errors, seen, line);
            }
            return;
        }
        seen.Add(path!);
        if (!ecs.Fields.TryGetValue(path!, out EcsField? field))
        {
            errors.Add(path!, "not an ECS field", value.GetRawText(), line);
        }
        else if (EcsLineChecker.Misfit(field.Type, value) is { } misfit)
        {
            errors.Add(path!, $"does not fit ECS type {field.Type}: {misfit}", value.GetRawText(), line);
        }
        else if (field.AllowedValues is { } allowed && !allowed.Contains(value.GetString()!))
        {
            errors.Add(path!, "not an ECS allowed value", value.GetRawText(), line);
        }
    }
}
