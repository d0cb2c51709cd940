using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>
/// The HTTP listener of <c>http.listen</c>: a small HTTP/1.1 responder on a <see cref="Socket"/>, one request per
/// connection (<c>Connection: close</c>), serving <see cref="OperationsRoutes"/>.
/// <para>
/// Why not <see cref="HttpListener"/>: on Linux it is the managed reimplementation, whose timeouts cannot be set
/// (<see cref="HttpListenerTimeoutManager"/> only round-trips two values there), which has no bound on open
/// connections, and which reads a slow client's head for up to 90 s — an agent on every server must not let one
/// stuck scraper or port scanner hold sockets and memory. Here every exchange has one deadline
/// (<see cref="DefaultExchangeTimeout"/>, head read and answer sent), the head is bounded (<see cref="MaxHeadBytes"/>), and
/// at most <see cref="MaxConnections"/> are served at once (more are closed at accept). GET and HEAD without a body
/// are all it needs, so the parser is the request line and nothing else — and native AOT stays trim-clean.
/// </para>
/// Bound before the host starts (<see cref="Listen"/>: an address in use stops the agent with a message naming it)
/// and registered before <see cref="AgentLoop"/>, so it answers (<c>/healthz</c>: 503) during the first cycle.
/// Stopped last: the listener closes, open exchanges are cancelled.
/// </summary>
internal sealed partial class OperationsEndpoint : IHostedService, IDisposable
{
    internal const int MaxConnections = 16;
    internal const int MaxHeadBytes = 8192;
    internal static readonly TimeSpan DefaultExchangeTimeout = TimeSpan.FromSeconds(5);

    // SOL_SOCKET / SO_REUSEADDR as Linux numbers them: set raw, because .NET's ReuseAddress option also sets
    // SO_REUSEPORT on Linux, which would let a second agent bind the same port instead of failing.
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    private readonly Socket _listener;
    private readonly IPEndPoint _localEndPoint;
    private readonly OperationsRoutes _routes;
    private readonly ILogger _logger;
    private readonly TimeSpan _exchangeTimeout;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _exchanges = new();
    private Task? _accepting;
    private int _connections;
    private long _refused;
    private SocketError _lastAcceptError = SocketError.Success;

    /// <param name="listener">A listening socket from <see cref="Listen"/>; the endpoint owns it from here.</param>
    /// <param name="exchangeTimeout">The deadline of one exchange; default <see cref="DefaultExchangeTimeout"/>.</param>
    public OperationsEndpoint(Socket listener, OperationsRoutes routes, ILogger<OperationsEndpoint> logger, TimeSpan? exchangeTimeout = null)
    {
        _listener = listener;
        _localEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _routes = routes;
        _logger = logger;
        _exchangeTimeout = exchangeTimeout ?? DefaultExchangeTimeout;
    }

    /// <summary>Where it listens (the bound port, for a test that asked for port 0).</summary>
    public IPEndPoint LocalEndPoint => _localEndPoint;

    /// <summary>Exchanges in progress.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Connections closed at accept because <see cref="MaxConnections"/> were being served.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// Binds and listens on <paramref name="endpoint"/>: called before the host starts, so an address in use stops
    /// the agent with one clear line before anything else happens.
    /// </summary>
    /// <exception cref="OperationsEndpointException">The address cannot be bound.</exception>
    public static Socket Listen(IPEndPoint endpoint)
    {
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A restart must not fail on the previous run's connections still in TIME_WAIT (those it had to close first).
            listener.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            listener.Bind(endpoint);
            listener.Listen(64);
            return listener;
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            string reason = ex.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "the address is already in use (another agent, or another program on that port?)",
                SocketError.AddressNotAvailable => "no interface of this host has that address",
                SocketError.AccessDenied => "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)",
                _ => ex.Message,
            };
            throw new OperationsEndpointException($"cannot listen on {HttpListenAddress.Format(endpoint)} for the operations endpoint (http.listen): {reason}", ex);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogListening(HttpListenAddress.Format(LocalEndPoint));
        _accepting = AcceptAsync(_listener, _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_accepting is null)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        // Exchanges see the cancellation at their next await; they only need the moment to close their socket.
        await Task.WhenAll(_exchanges.Keys).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task AcceptAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Out of file descriptors (EMFILE) and the like: say so (once per cause), breathe, go on; the agent
                // itself is unaffected.
                if (ex.SocketErrorCode != _lastAcceptError)
                {
                    _lastAcceptError = ex.SocketErrorCode;
                    LogAcceptFailed(ex.Message);
                }
                await Task.Delay(100, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            if (Interlocked.Increment(ref _connections) > MaxConnections)
            {
                Interlocked.Decrement(ref _connections);
                Interlocked.Increment(ref _refused);
                client.Dispose();
                continue;
            }
            Task exchange = ServeAsync(client, stopping);
            _exchanges.TryAdd(exchange, 0);
            _ = exchange.ContinueWith(static (done, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(done, out _),
                _exchanges, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>One exchange: read the head (bounded), answer, close. Never throws: a bad client costs only itself.</summary>
    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        await Task.Yield(); // off the accept loop
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxHeadBytes);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(_exchangeTimeout);
        try
        {
            client.NoDelay = true;
            int received = 0;
            int headEnd;
            while ((headEnd = HttpRequestHead.FindEnd(buffer.AsSpan(0, received))) < 0)
            {
                if (received == MaxHeadBytes)
                {
                    await SendAsync(client, OperationsResponse.HeadTooLarge, includeBody: true, deadline.Token).ConfigureAwait(false);
                    await LingerAsync(client, buffer, deadline.Token).ConfigureAwait(false);
                    return;
                }
                int read = await client.ReceiveAsync(buffer.AsMemory(received, MaxHeadBytes - received), SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return; // the client gave up before a full head
                }
                received += read;
            }
            (OperationsResponse response, bool head) = Route(buffer.AsSpan(0, headEnd));
            await SendAsync(client, response, includeBody: !head, deadline.Token).ConfigureAwait(false);
            await LingerAsync(client, buffer, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Too slow (the deadline), gone (reset), or the agent is stopping: drop the connection.
        }
        catch (Exception ex)
        {
            // A bug in building an answer must not take the agent down: log it, drop the connection.
            LogExchangeFailed(ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            client.Dispose();
            Interlocked.Decrement(ref _connections);
        }
    }

    /// <summary>
    /// Ends the exchange the way RFC 9112 §9.6 asks: half-close, then read (and discard) until the client closes its
    /// side. Closing with unread bytes in the receive queue would make the kernel send a reset, which can destroy the
    /// answer before the client reads it; and the client closing first leaves TIME_WAIT on its side, not the agent's.
    /// Bounded by the exchange's deadline.
    /// </summary>
    private static async Task LingerAsync(Socket client, byte[] buffer, CancellationToken cancellationToken)
    {
        client.Shutdown(SocketShutdown.Send);
        while (await client.ReceiveAsync(buffer.AsMemory(0, MaxHeadBytes), SocketFlags.None, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    private (OperationsResponse Response, bool Head) Route(ReadOnlySpan<byte> head)
    {
        if (!HttpRequestHead.TryParse(head, out ReadOnlySpan<byte> method, out ReadOnlySpan<byte> path))
        {
            return (OperationsResponse.BadRequest, false);
        }
        return (_routes.Handle(method, path), method.SequenceEqual("HEAD"u8));
    }

    private static async Task SendAsync(Socket client, OperationsResponse response, bool includeBody, CancellationToken cancellationToken)
    {
        var head = new StringBuilder(192)
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} {response.Reason}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: {response.ContentType}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {response.Body.Length}\r\n")
            .Append("Cache-Control: no-store\r\nConnection: close\r\n");
        if (response.Allow is not null)
        {
            head.Append(CultureInfo.InvariantCulture, $"Allow: {response.Allow}\r\n");
        }
        head.Append("\r\n");
        await SendAllAsync(client, Encoding.ASCII.GetBytes(head.ToString()), cancellationToken).ConfigureAwait(false);
        if (includeBody)
        {
            await SendAllAsync(client, response.Body, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task SendAllAsync(Socket client, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            int sent = await client.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "operations endpoint listening on http://{Address} (/metrics, /healthz)")]
    private partial void LogListening(string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "operations endpoint: accept failed: {Reason}")]
    private partial void LogAcceptFailed(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "operations endpoint: a request failed")]
    private partial void LogExchangeFailed(Exception exception);

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Dispose();
        _stopping.Dispose();
    }
}
