using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// The HTTP side of <c>http.listen</c>, on Kestrel (the slim core: no MVC, no routing, HTTP/1.1 only): <c>GET
/// /metrics</c> is OpenTelemetry's Prometheus exporter middleware over the agent's <see cref="MeterProvider"/>,
/// <c>GET /healthz</c> the <see cref="HealthReport"/> as JSON (200 ready, 503 not). HEAD of both; 404 for other
/// paths, 405 for other methods.
/// <para>
/// Kestrel rather than the exporter's <c>HttpListener</c> host: on Linux <c>HttpListener</c> is a managed
/// reimplementation whose timeouts cannot be set and which bounds neither connections nor a slow client's head — an
/// agent on every server must not let a stuck scraper or a local process hold its endpoint. Kestrel's limits, set
/// below and in the README, are what keep it answering: a client has <see cref="RequestHeadersTimeout"/> to send its
/// head (<see cref="MaxRequestHeadersTotalSize"/> at most, else 431), an idle keep-alive connection is closed after
/// <see cref="KeepAliveTimeout"/>, and at most <see cref="MaxConnections"/> are open at once (more are closed at
/// accept), so stuck clients cost bounded memory and leave in seconds.
/// </para>
/// Started after the host is built and before it runs (<see cref="Start"/>: an address in use stops the agent with
/// a message naming it, before the first cycle), so it answers (<c>/healthz</c>: 503) during the first cycle; stopped
/// after the loop.
/// </summary>
internal sealed partial class OperationsEndpoint : IAsyncDisposable
{
    public const string MetricsPath = "/metrics";
    public const string HealthPath = "/healthz";

    /// <summary>Open connections at most; Kestrel closes the ones beyond at accept.</summary>
    internal const long MaxConnections = 4096;

    /// <summary>Bytes of request headers at most (request line apart).</summary>
    internal const int MaxRequestHeadersTotalSize = 8192;

    internal static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(15);

    private readonly WebApplication _app;
    private readonly ILogger _logger;
    private int _disposed;

    private OperationsEndpoint(WebApplication app, IPEndPoint localEndPoint, ILogger logger)
    {
        _app = app;
        LocalEndPoint = localEndPoint;
        _logger = logger;
    }

    /// <summary>Where it listens (the bound port, for a test that asked for port 0).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Binds <paramref name="endpoint"/> and starts answering.</summary>
    /// <param name="meterProvider">The provider with the Prometheus exporter; null: <c>/metrics</c> is 404.</param>
    /// <param name="health">Ready or not as of now (<see cref="AgentMetrics.Health"/>).</param>
    /// <exception cref="OperationsEndpointException">The address cannot be bound.</exception>
    public static OperationsEndpoint Start(IPEndPoint endpoint, MeterProvider? meterProvider, Func<HealthReport> health, ILoggerFactory logs)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "socket-agent" });
        // The agent's own logging (stderr, its format): Kestrel's warnings go there too. Not the generic host's failure to
        // start: a bind failure is said once, by the caller, from the OperationsEndpointException below.
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(logs));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = MaxConnections;
            kestrel.Limits.RequestHeadersTimeout = RequestHeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = KeepAliveTimeout;
            kestrel.Limits.MaxRequestHeadersTotalSize = MaxRequestHeadersTotalSize;
            kestrel.Limits.MaxRequestLineSize = 4096;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Listen(endpoint, listen => listen.Protocols = HttpProtocols.Http1);
        });

        WebApplication app = builder.Build();
        app.Use(static (context, next) =>
        {
            PathString path = context.Request.Path;
            if (path != MetricsPath && path != HealthPath)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = "GET, HEAD";
                return Task.CompletedTask;
            }
            context.Response.Headers.CacheControl = "no-store";
            return next(context);
        });
        if (meterProvider is not null)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider, static context => context.Request.Path == MetricsPath,
                path: null, configureBranchedPipeline: null, optionsName: null);
        }
        app.Run(context => context.Request.Path == HealthPath ? WriteHealthAsync(context, health()) : NotFound(context));

        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch (IOException ex)
        {
            ((IDisposable)app).Dispose();
            // Kestrel wraps the bind's SocketException (in an AddressInUseException for that case).
            SocketError error = SocketError.SocketError;
            for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
            {
                if (inner is SocketException socket)
                {
                    error = socket.SocketErrorCode;
                    break;
                }
                if (inner is Microsoft.AspNetCore.Connections.AddressInUseException)
                {
                    error = SocketError.AddressAlreadyInUse;
                    break;
                }
            }
            string reason = error switch
            {
                SocketError.AddressAlreadyInUse => "the address is already in use (another agent, or another program on that port?)",
                SocketError.AddressNotAvailable => "no interface of this host has that address",
                SocketError.AccessDenied => "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)",
                _ => ex.GetBaseException().Message,
            };
            throw new OperationsEndpointException($"cannot listen on {HttpListenAddress.Format(endpoint)} for the operations endpoint (http.listen): {reason}", ex);
        }

        var bound = new IPEndPoint(endpoint.Address, BoundPort(app, endpoint.Port));
        var operations = new OperationsEndpoint(app, bound, logs.CreateLogger<OperationsEndpoint>());
        operations.LogListening(HttpListenAddress.Format(bound));
        return operations;
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport health)
    {
        context.Response.StatusCode = health.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "application/json";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }
        health.WriteJson(context.Response.BodyWriter);
        return context.Response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }

    /// <summary>The port Kestrel bound (the one asked for, or the kernel's pick for port 0).</summary>
    private static int BoundPort(WebApplication app, int asked)
    {
        ICollection<string>? addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        foreach (string address in addresses ?? [])
        {
            if (Uri.TryCreate(address, UriKind.Absolute, out Uri? uri))
            {
                return uri.Port;
            }
        }
        return asked;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "operations endpoint listening on http://{Address} (/metrics, /healthz)")]
    private partial void LogListening(string address);

    /// <summary>Hands the web host's loggers to the agent's factory, so that the web host's own filters apply first.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logs.CreateLogger(categoryName);

        public void Dispose()
        {
            // The factory is the agent's: it outlives the endpoint.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        // Open exchanges get a moment to finish; a stuck client is cut off.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
