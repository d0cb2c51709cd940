using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Telemetry;

/// <summary>
/// The vendored OTLP .proto files (<c>Telemetry/otlp-proto/</c>, opentelemetry-proto v1.11.0) and what Debian's
/// <c>protoc</c> does with them: Python modules for <c>otlp_decode.py</c>, and binary messages encoded from text format
/// (so a test can build a request body without any OpenTelemetry .NET code).
/// </summary>
internal static class OtlpProto
{
    public const string ExportMetricsServiceRequest = "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest";
    public const string ExportMetricsServiceResponse = "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse";

    /// <summary>The include root of the vendored files, as copied to the test output.</summary>
    public static string IncludeDirectory => Path.Combine(TelemetryTools.Directory, "otlp-proto");

    /// <summary>The files an <c>ExportMetricsServiceRequest</c> needs, relative to <see cref="IncludeDirectory"/>.</summary>
    public static readonly string[] Files =
    [
        "opentelemetry/proto/common/v1/common.proto",
        "opentelemetry/proto/resource/v1/resource.proto",
        "opentelemetry/proto/metrics/v1/metrics.proto",
        "opentelemetry/proto/collector/metrics/v1/metrics_service.proto",
    ];

    /// <summary>Generates the <c>*_pb2.py</c> modules of <see cref="Files"/> into <paramref name="outputDirectory"/> (created if missing).</summary>
    public static async Task CompilePythonAsync(string outputDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        ToolProcess.Result result = await RunProtocAsync(["-I", IncludeDirectory, "--python_out=" + outputDirectory, .. Files],
            ReadOnlyMemory<byte>.Empty, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("protoc could not compile the OTLP .proto files: " + result.Describe());
        }
    }

    /// <summary>The binary encoding of <paramref name="textFormat"/> (protobuf text format) as a <paramref name="messageType"/>.</summary>
    /// <exception cref="FormatException">protoc rejected the text (its message says where).</exception>
    public static async Task<byte[]> EncodeAsync(string messageType, string textFormat, CancellationToken cancellationToken)
    {
        ToolProcess.Result result = await RunProtocAsync(
            ["-I", IncludeDirectory, "--encode=" + messageType, "opentelemetry/proto/collector/metrics/v1/metrics_service.proto"],
            System.Text.Encoding.UTF8.GetBytes(textFormat), cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new FormatException($"protoc --encode={messageType} rejected the text-format message: " + result.Describe());
        }
        return result.StandardOutput;
    }

    private static async Task<ToolProcess.Result> RunProtocAsync(string[] arguments, ReadOnlyMemory<byte> standardInput, CancellationToken cancellationToken)
    {
        try
        {
            return await ToolProcess.RunAsync(TelemetryTools.Protoc, arguments, standardInput, TelemetryTools.ToolTimeout, cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("protoc is not installed (apt-get install protobuf-compiler; tests/run-tests.sh does): " + ex.Message, ex);
        }
    }
}
