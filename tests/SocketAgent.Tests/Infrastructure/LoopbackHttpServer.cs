using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// A small HTTP server on 127.0.0.1 for tests: System.Net.HttpListener (part of Microsoft.NETCore.App, so the test
/// project needs no ASP.NET Core framework reference, which would take the Microsoft.Extensions assemblies that the
/// agent's own child processes load from the test output away), on a free port, calling the handler for each request
/// concurrently. A handler that throws answers 500 with the exception. <see cref="DisposeAsync"/> stops listening and
/// waits for the handlers still running.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<HttpListenerContext, Task> _handler;
    private readonly object _gate = new();
    private readonly HashSet<Task> _inFlight = [];
    private readonly Task _acceptLoop;
    private int _disposed;

    private LoopbackHttpServer(HttpListener listener, int port, Func<HttpListenerContext, Task> handler)
    {
        _listener = listener;
        _handler = handler;
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary><c>http://127.0.0.1:port/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>
    /// Starts listening on a port the kernel just had free. HttpListener cannot listen on port 0, so the port is taken
    /// from a socket bound to port 0 and released; if something else took it meanwhile, another one is tried.
    /// </summary>
    public static LoopbackHttpServer Start(Func<HttpListenerContext, Task> handler)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = LoopbackPort.Free();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new LoopbackHttpServer(listener, port, handler);
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                listener.Close();
            }
        }
    }


    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            Task handling = HandleAsync(context);
            lock (_gate)
            {
                _inFlight.Add(handling);
            }
            _ = handling.ContinueWith(t =>
            {
                lock (_gate)
                {
                    _inFlight.Remove(t);
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            await _handler(context);
        }
        catch (Exception ex)
        {
            try
            {
                byte[] text = Encoding.UTF8.GetBytes($"the test server's handler threw: {ex}\n");
                context.Response.StatusCode = 500;
                context.Response.ContentType = "text/plain; charset=utf-8";
                context.Response.ContentLength64 = text.Length;
                await context.Response.OutputStream.WriteAsync(text);
            }
            catch (Exception inner) when (inner is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException)
            {
                // The answer was already under way, or the client went: nothing left to tell it.
            }
        }
        finally
        {
            try
            {
                context.Response.Close();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException or IOException)
            {
                // The client went away.
            }
        }
    }

    /// <summary>Writes <paramref name="body"/> as the whole answer.</summary>
    public static async Task AnswerAsync(HttpListenerResponse response, int statusCode, string contentType, byte[] body)
    {
        response.StatusCode = statusCode;
        response.ContentType = contentType;
        response.ContentLength64 = body.Length;
        if (body.Length > 0)
        {
            await response.OutputStream.WriteAsync(body);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _listener.Close(); // the accept loop ends, open connections are closed
        await _acceptLoop;
        Task[] inFlight;
        lock (_gate)
        {
            inFlight = [.. _inFlight];
        }
        await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
