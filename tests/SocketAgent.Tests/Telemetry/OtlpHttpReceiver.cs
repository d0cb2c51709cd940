using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Telemetry;

/// <summary>
/// An OTLP/HTTP metrics receiver for tests: an HTTP server on 127.0.0.1 (<see cref="LoopbackHttpServer"/>, a free port) that takes
/// <c>POST /v1/metrics</c> with <c>Content-Type: application/x-protobuf</c> (optionally gzip-encoded), keeps every body,
/// and decodes each one before answering, independently of the OpenTelemetry .NET exporter: <c>otlp_decode.py</c> with
/// the vendored opentelemetry-proto files, compiled by protoc to Python modules in this receiver's temp directory.
/// <para>
/// A decodable request is answered 200 with an empty <c>ExportMetricsServiceResponse</c> (zero bytes, application/x-protobuf).
/// Anything else is answered 4xx with the reason as text and recorded as a failure: another path or method (404), another
/// content type, such as OTLP/JSON, or content encoding (415), a body that is not an <c>ExportMetricsServiceRequest</c> or
/// a gzip body that does not decompress (400).
/// Every <c>WaitFor*</c> then throws <see cref="InvalidDataException"/> with those reasons, so a test fails with the cause
/// instead of a timeout. <see cref="DisposeAsync"/> stops the server, kills a decoder still running and deletes the temp directory.
/// </para>
/// </summary>
internal sealed class OtlpHttpReceiver : IAsyncDisposable
{
    public const string MetricsPath = "/v1/metrics";
    public const string ProtobufContentType = "application/x-protobuf";

    private readonly string _directory;
    private readonly string _pythonModules;
    private readonly string _bodies;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private readonly List<OtlpReceivedRequest> _received = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LoopbackHttpServer? _server;
    private int _sequence;
    private int _requests;
    private int _disposed;

    private OtlpHttpReceiver(string directory)
    {
        _directory = directory;
        _pythonModules = Path.Combine(directory, "python");
        _bodies = Path.Combine(directory, "bodies");
        Directory.CreateDirectory(_bodies);
    }

    /// <summary>What to give the exporter as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>: <c>http://127.0.0.1:port/</c>.</summary>
    public Uri BaseUri { get; private set; } = null!;

    /// <summary><see cref="BaseUri"/> + <c>v1/metrics</c> (<c>OTEL_EXPORTER_OTLP_METRICS_ENDPOINT</c>, used as is).</summary>
    public Uri MetricsEndpoint => new(BaseUri, MetricsPath.TrimStart('/'));

    /// <summary>This receiver's temp directory (generated modules, <c>bodies/NNNNN.bin</c>); deleted by <see cref="DisposeAsync"/>.</summary>
    public string TempDirectory => _directory;

    /// <summary>How many <c>POST /v1/metrics</c> arrived so far (decodable or not).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Every request so far (any path), in arrival order, with its body and what became of it.</summary>
    public IReadOnlyList<OtlpReceivedRequest> Received
    {
        get
        {
            lock (_gate)
            {
                return _received.OrderBy(r => r.Sequence).ToArray();
            }
        }
    }

    /// <summary>Every decoded export so far, oldest first.</summary>
    public IReadOnlyList<OtlpMetricsExport> Exports => Received.Where(r => r.Export is not null).Select(r => r.Export!).ToArray();

    /// <summary>Compiles the OTLP modules into a new temp directory and starts listening.</summary>
    public static async Task<OtlpHttpReceiver> StartAsync(CancellationToken cancellationToken = default)
    {
        var receiver = new OtlpHttpReceiver(Directory.CreateTempSubdirectory("socket-agent-otlp-").FullName);
        try
        {
            await OtlpProto.CompilePythonAsync(receiver._pythonModules, cancellationToken);
            receiver._server = LoopbackHttpServer.Start(receiver.HandleAsync);
            receiver.BaseUri = receiver._server.BaseUri;
            return receiver;
        }
        catch
        {
            await receiver.DisposeAsync();
            throw;
        }
    }

    /// <summary><see cref="StartAsync"/>, blocking (for a constructor).</summary>
    public static OtlpHttpReceiver Start() => Task.Run(() => StartAsync()).GetAwaiter().GetResult();

    private async Task HandleAsync(HttpListenerContext context)
    {
        HttpListenerRequest request = context.Request;
        int sequence = Interlocked.Increment(ref _sequence);
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await request.InputStream.CopyToAsync(buffer, _stopping.Token);
            body = buffer.ToArray();
        }
        string? contentEncoding = request.Headers["Content-Encoding"];
        string path = request.Url?.AbsolutePath ?? request.RawUrl ?? "";
        var received = new OtlpReceivedRequest(sequence, request.HttpMethod, path, request.ContentType, contentEncoding, body);

        if (request.HttpMethod != "POST" || path != MetricsPath)
        {
            await AnswerAsync(context, received with { StatusCode = 404, Error = $"{request.HttpMethod} {path}: this receiver takes POST {MetricsPath} only" });
            return;
        }
        Interlocked.Increment(ref _requests);
        string where = $"request #{sequence} (POST {MetricsPath}, {body.Length} bytes, Content-Type '{request.ContentType}')";
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? mediaType)
            || !string.Equals(mediaType.MediaType, ProtobufContentType, StringComparison.OrdinalIgnoreCase))
        {
            await AnswerAsync(context, received with { StatusCode = 415, Error = $"{where}: not {ProtobufContentType} (OTLP/HTTP JSON is not what the .NET exporter sends)" });
            return;
        }
        if (contentEncoding is not (null or "identity" or "gzip"))
        {
            await AnswerAsync(context, received with { StatusCode = 415, Error = $"{where}: Content-Encoding '{contentEncoding}' is not supported (gzip or none)" });
            return;
        }
        byte[] message;
        try
        {
            message = contentEncoding == "gzip" ? Gunzip(body) : body;
        }
        catch (InvalidDataException ex)
        {
            await AnswerAsync(context, received with { StatusCode = 400, Error = $"{where}: the gzip body does not decompress: {ex.Message}" });
            return;
        }

        string file = Path.Combine(_bodies, $"{sequence:D5}.bin");
        await File.WriteAllBytesAsync(file, message, _stopping.Token);
        received = received with { Message = message };
        ToolProcess.Result result;
        try
        {
            result = await TelemetryTools.RunPythonAsync("otlp_decode.py", [_pythonModules, file], ReadOnlyMemory<byte>.Empty, _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            context.Response.StatusCode = 503; // the receiver is being disposed
            return;
        }
        catch (TimeoutException ex)
        {
            await AnswerAsync(context, received with { StatusCode = 500, Error = $"{where}: {ex.Message}" });
            return;
        }
        if (result.ExitCode == 2)
        {
            await AnswerAsync(context, received with { StatusCode = 400, Error = $"{where} is not a valid ExportMetricsServiceRequest: {result.StandardError.Trim()}" });
            return;
        }
        if (result.ExitCode != 0)
        {
            await AnswerAsync(context, received with { StatusCode = 500, Error = $"{where}: the decoder failed: {result.Describe()}" });
            return;
        }
        OtlpMetricsExport export;
        try
        {
            export = OtlpMetricsExport.Parse(sequence, result.StandardOutput);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            await AnswerAsync(context, received with { StatusCode = 500, Error = $"{where}: the decoder's JSON could not be read ({ex.Message}): {result.StandardOutputText}" });
            return;
        }
        await AnswerAsync(context, received with { StatusCode = 200, Export = export });
    }

    private static byte[] Gunzip(byte[] body)
    {
        using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    }

    private async Task AnswerAsync(HttpListenerContext context, OtlpReceivedRequest received)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _received.Add(received);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();

        if (received.Error is null)
        {
            // An empty ExportMetricsServiceResponse (no partial_success) encodes to zero bytes.
            await LoopbackHttpServer.AnswerAsync(context.Response, received.StatusCode, ProtobufContentType, []);
            return;
        }
        await LoopbackHttpServer.AnswerAsync(context.Response, received.StatusCode, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(received.Error + "\n"));
    }

    /// <summary>The newest decoded export, waiting for the first one.</summary>
    public Task<OtlpMetricsExport> WaitForExportAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForExportAsync(static _ => true, "any export", timeout, cancellationToken);

    /// <summary>The newest decoded export that satisfies <paramref name="predicate"/>, waiting for one.</summary>
    public Task<OtlpMetricsExport> WaitForExportAsync(Func<OtlpMetricsExport, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForExportAsync(predicate, "an export that satisfies the predicate", timeout, cancellationToken);

    /// <summary>The newest decoded export that contains a metric named <paramref name="name"/>, waiting for one.</summary>
    public Task<OtlpMetricsExport> WaitForMetricAsync(string name, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForExportAsync(e => e.HasMetric(name), $"an export with metric '{name}'", timeout, cancellationToken);

    /// <summary>The latest export with metric <paramref name="name"/> that <paramref name="condition"/> also accepts.</summary>
    public Task<OtlpMetricsExport> WaitForMetricAsync(string name, Func<OtlpMetricsExport, bool> condition, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForExportAsync(e => e.HasMetric(name) && condition(e), $"an export with metric '{name}' as the test wants it", timeout, cancellationToken);

    /// <exception cref="InvalidDataException">A request was rejected (its reasons are in the message).</exception>
    /// <exception cref="TimeoutException">Nothing matched within <paramref name="timeout"/> (the message lists what came).</exception>
    private async Task<OtlpMetricsExport> WaitForExportAsync(Func<OtlpMetricsExport, bool> predicate, string wanted, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        while (true)
        {
            OtlpReceivedRequest[] received;
            Task changed;
            lock (_gate)
            {
                received = _received.OrderBy(r => r.Sequence).ToArray();
                changed = _changed.Task;
            }
            ThrowIfRejected(received);
            OtlpMetricsExport? match = received.Select(r => r.Export).OfType<OtlpMetricsExport>().LastOrDefault(predicate);
            if (match is not null)
            {
                return match;
            }
            try
            {
                await changed.WaitAsync(timeoutSource.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no {wanted} at {MetricsEndpoint} within {timeout}; {Describe(Received)}");
            }
        }
    }

    private static void ThrowIfRejected(IEnumerable<OtlpReceivedRequest> received)
    {
        string[] errors = received.Where(r => r.Error is not null).Select(r => $"answered {r.StatusCode}: {r.Error}").ToArray();
        if (errors.Length > 0)
        {
            throw new InvalidDataException($"the OTLP receiver rejected {errors.Length} request(s):\n" + string.Join("\n", errors));
        }
    }

    private static string Describe(IReadOnlyList<OtlpReceivedRequest> received) => received.Count == 0
        ? "no request arrived"
        : $"{received.Count} request(s) arrived: " + string.Join("; ", received.Select(r => r.Export?.ToString() ?? $"#{r.Sequence} {r.Method} {r.Path} {r.StatusCode}"));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stopping.Cancel(); // a decoder still running is killed
        try
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
        finally
        {
            _stopping.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}

/// <summary>
/// One request the receiver got: <see cref="Body"/> as sent, <see cref="Message"/> after Content-Encoding (the
/// protobuf bytes, set once decoding was tried), and either <see cref="Export"/> (answered 200) or <see cref="Error"/>.
/// </summary>
internal sealed record OtlpReceivedRequest(int Sequence, string Method, string Path, string? ContentType, string? ContentEncoding, byte[] Body)
{
    public byte[]? Message { get; init; }
    public int StatusCode { get; init; }
    public OtlpMetricsExport? Export { get; init; }
    public string? Error { get; init; }
}
