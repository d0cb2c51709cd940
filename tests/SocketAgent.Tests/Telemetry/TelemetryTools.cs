using System.Globalization;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Telemetry;

/// <summary>
/// The external parsers of the telemetry tests: Debian's <c>/usr/bin/python3</c> (not the <c>python3</c> on PATH, which
/// may be a pyenv shim without Debian's modules) running the scripts shipped beside the tests (<c>Telemetry/*.py</c>),
/// and <c>protoc</c>. tests/run-tests.sh installs python3-prometheus-client, python3-protobuf and protobuf-compiler.
/// </summary>
internal static class TelemetryTools
{
    public const string Python = "/usr/bin/python3";
    public const string Protoc = "protoc";

    /// <summary>How long one parser run may take (a loaded 2-core CI machine starts python in well under a second).</summary>
    public static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The directory the project copies <c>Telemetry/*.py</c> and <c>Telemetry/otlp-proto/</c> to.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Telemetry");

    /// <summary>
    /// Runs <paramref name="script"/> (a file name in <see cref="Directory"/>) with Debian's python3, isolated (-I: no
    /// user site-packages, no PYTHON* variables), in UTF-8 mode and without writing bytecode.
    /// </summary>
    public static async Task<ToolProcess.Result> RunPythonAsync(string script, IEnumerable<string> arguments, ReadOnlyMemory<byte> standardInput,
        CancellationToken cancellationToken)
    {
        string path = Path.Combine(Directory, script);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{script} is not beside the tests (the project copies Telemetry/*.py to the output)", path);
        }
        try
        {
            return await ToolProcess.RunAsync(Python, ["-I", "-B", "-X", "utf8", path, .. arguments], standardInput, ToolTimeout, cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"{Python} could not be started (apt-get install python3; tests/run-tests.sh does): {ex.Message}", ex);
        }
    }

    /// <summary>A number as the scripts print it: "+Inf", "-Inf", "NaN" or a round-trip decimal.</summary>
    public static double ParseNumber(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
