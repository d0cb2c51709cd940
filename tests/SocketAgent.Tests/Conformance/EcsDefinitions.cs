using System.Diagnostics;
using System.Text.Json;

namespace SocketAgent.Tests.Conformance;

/// <summary>
/// Elastic's published ECS field definitions, fetched at test set-up from the npm registry (the
/// <c>@elastic/ecs</c> package, pinned) and read from its <c>ecs_flat</c> export with node: flat field name to type,
/// allowed values and normalization. Nothing of ECS is copied into this repository; the extracted map is cached
/// under the temp directory by version, so only the first run on a machine downloads it.
/// </summary>
internal sealed class EcsDefinitions
{
    public const string Package = "@elastic/ecs";
    public const string Version = "9.4.0";

    private static readonly Lazy<EcsDefinitions> s_instance = new(Load);

    private EcsDefinitions(Dictionary<string, EcsField> fields, Dictionary<string, IReadOnlySet<string>> eventTypes)
    {
        Fields = fields;
        EventTypesByCategory = eventTypes;
        FieldSets = fields.Keys.Where(static k => k.Contains('.', StringComparison.Ordinal))
            .Select(static k => k[..k.IndexOf('.', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
    }

    public static EcsDefinitions Instance => s_instance.Value;

    /// <summary>Every ECS field by flat name (<c>network.direction</c>).</summary>
    public IReadOnlyDictionary<string, EcsField> Fields { get; }

    /// <summary>For each allowed event.category, the event.type values ECS expects with it (expected_event_types).</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> EventTypesByCategory { get; }

    /// <summary>The top-level names ECS defines fields under (<c>network</c>, <c>process</c>, <c>host</c>…).</summary>
    public IReadOnlySet<string> FieldSets { get; }

    /// <summary>
    /// The ECS field of type <c>object</c> or <c>flattened</c> that holds <paramref name="path"/> (ECS lets any key in
    /// there, e.g. <c>labels.*</c>), or null.
    /// </summary>
    public EcsField? OpenObjectAbove(string path)
    {
        for (int dot = path.LastIndexOf('.'); dot > 0; dot = path.LastIndexOf('.', dot - 1))
        {
            if (Fields.TryGetValue(path[..dot], out EcsField? field) && field.Type is "object" or "flattened")
            {
                return field;
            }
        }
        return null;
    }

    private static EcsDefinitions Load()
    {
        string cache = Path.Combine(Path.GetTempPath(), "socket-agent-ecs", Version);
        string flat = Path.Combine(cache, "ecs_flat.json");
        if (!File.Exists(flat))
        {
            Fetch(cache, flat);
        }
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(flat));
        var fields = new Dictionary<string, EcsField>(StringComparer.Ordinal);
        var eventTypes = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
        {
            JsonElement definition = property.Value;
            HashSet<string>? allowed = definition.TryGetProperty("allowed_values", out JsonElement values)
                ? values.EnumerateArray().Select(static v => v.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal)
                : null;
            HashSet<string>? expected = definition.TryGetProperty("expected_values", out JsonElement expectedValues)
                ? expectedValues.EnumerateArray().Select(static v => v.GetString()!).ToHashSet(StringComparer.Ordinal)
                : null;
            if (property.Name == "event.category" && values.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement category in values.EnumerateArray())
                {
                    eventTypes[category.GetProperty("name").GetString()!] = category.TryGetProperty("expected_event_types", out JsonElement types)
                        ? types.EnumerateArray().Select(static t => t.GetString()!).ToHashSet(StringComparer.Ordinal)
                        : [];
                }
            }
            bool array = definition.TryGetProperty("normalize", out JsonElement normalize)
                && normalize.EnumerateArray().Any(static n => n.GetString() == "array");
            fields[property.Name] = new EcsField(property.Name, definition.GetProperty("type").GetString()!, allowed, expected, array);
        }
        if (fields.Count < 1000 || !fields.ContainsKey("network.direction"))
        {
            throw new InvalidOperationException($"{flat} holds {fields.Count} fields, not ECS {Version}'s; delete it to fetch again");
        }
        return new EcsDefinitions(fields, eventTypes);
    }

    /// <summary><c>npm pack</c> the pinned package, unpack it, and dump <c>EcsFlat</c> as JSON with node.</summary>
    private static void Fetch(string cache, string flat)
    {
        foreach (string tool in (string[])["npm", "node", "tar"])
        {
            if (Which(tool) is null)
            {
                throw new InvalidOperationException(
                    $"the ECS conformance test needs {tool} on PATH to fetch {Package}@{Version} from the npm registry " +
                    "(tests/run-tests.sh installs nodejs and npm; on Debian/Ubuntu: apt-get install nodejs npm)");
            }
        }
        Directory.CreateDirectory(cache);
        // A directory of its own: test runs of several worktrees may fetch at once; the last rename wins, all equal.
        DirectoryInfo work = Directory.CreateTempSubdirectory("socket-agent-ecs-fetch-");
        try
        {
            Run("npm", ["pack", $"{Package}@{Version}", "--pack-destination", work.FullName, "--silent"], work.FullName);
            string tarball = Directory.EnumerateFiles(work.FullName, "*.tgz").Single();
            Run("tar", ["-xzf", tarball, "-C", work.FullName], work.FullName);
            string module = Path.Combine(work.FullName, "package", "build", "commonjs", "ecs_flat.js");
            if (!File.Exists(module))
            {
                throw new InvalidOperationException($"{Package}@{Version} has no build/commonjs/ecs_flat.js");
            }
            string json = Run("node", ["-e", "process.stdout.write(JSON.stringify(require(process.argv[1]).EcsFlat))", module], work.FullName);
            string temporary = Path.Combine(work.FullName, "ecs_flat.json");
            File.WriteAllText(temporary, json);
            File.Move(temporary, flat, overwrite: true);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, tool)).FirstOrDefault(File.Exists);

    private static string Run(string program, string[] arguments, string directory)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in 3 minutes (no access to the npm registry?)");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}) fetching {Package}@{Version}: {stderr.Result}");
        }
        return stdout.Result;
    }
}

/// <summary>
/// One ECS field: its type, the values ECS allows (allowed_values: the categorization fields) or expects
/// (expected_values, e.g. network.direction) — null when it names none — and whether ECS normalizes it to an array.
/// </summary>
internal sealed record EcsField(string Name, string Type, IReadOnlySet<string>? AllowedValues, IReadOnlySet<string>? ExpectedValues, bool Array);
