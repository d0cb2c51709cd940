using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// Docker Engine's <c>GET /containers/{id}/json</c> on a real UNIX socket, for the containers a test names, counting
/// every request per id: what a test needs to see how often the agent asks (a real engine does not say). HTTP/1.1
/// with keep-alive, as <c>HttpClient</c> speaks it; any other path or id is a 404, as the engine answers.
/// </summary>
internal sealed class FakeDockerEngine : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly IReadOnlyDictionary<string, (string Name, string Image)> _containers;
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public FakeDockerEngine(string socketPath, IReadOnlyDictionary<string, (string Name, string Image)> containers)
    {
        SocketPath = socketPath;
        _containers = containers;
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen();
        _accepting = Task.Run(AcceptAsync);
    }

    public string SocketPath { get; }

    /// <summary>How many times the container with <paramref name="id"/> was asked for.</summary>
    public int RequestsFor(string id) => _requests.TryGetValue(id, out int count) ? count : 0;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                Socket client = await _listener.AcceptAsync(_stop.Token);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using var stream = new NetworkStream(client, ownsSocket: true);
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is string requestLine)
            {
                // Headers up to the blank line; a GET has no body.
                while (await reader.ReadLineAsync(_stop.Token) is { Length: > 0 })
                {
                }
                string[] parts = requestLine.Split(' ');
                string path = parts.Length > 1 ? parts[1] : "";
                string id = path.StartsWith("/containers/", StringComparison.Ordinal) && path.EndsWith("/json", StringComparison.Ordinal)
                    ? Uri.UnescapeDataString(path["/containers/".Length..^"/json".Length])
                    : path;
                _requests.AddOrUpdate(id, 1, static (_, n) => n + 1);

                byte[] body;
                string status;
                if (_containers.TryGetValue(id, out (string Name, string Image) container))
                {
                    status = "200 OK";
                    body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
                    {
                        ["Id"] = id,
                        ["Name"] = "/" + container.Name,
                        ["Config"] = new Dictionary<string, object> { ["Image"] = container.Image, ["Labels"] = new Dictionary<string, string> { ["test"] = "fake-engine" } },
                    });
                }
                else
                {
                    status = "404 Not Found";
                    body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["message"] = "No such container: " + id });
                }
                byte[] head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n");
                await stream.WriteAsync(head, _stop.Token);
                await stream.WriteAsync(body, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _accepting.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
        File.Delete(SocketPath);
    }
}
