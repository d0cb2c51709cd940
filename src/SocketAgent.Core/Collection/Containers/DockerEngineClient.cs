using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace SocketAgent.Collection.Containers;

/// <summary>
/// Docker Engine's API over its UNIX socket with <see cref="HttpClient"/> (no Docker SDK: the agent needs one call,
/// and the response is read by a source-generated contract, so native AOT keeps working). Synchronous: lookups
/// happen while a line is encoded, once per new container id.
/// </summary>
internal sealed class DockerEngineClient : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(2);
    private readonly HttpClient _http;

    public DockerEngineClient(string socketPath)
    {
        SocketPath = socketPath;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = s_timeout,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://docker/"), Timeout = s_timeout };
    }

    public string SocketPath { get; }

    /// <summary>
    /// The container's details; null when the engine does not know the id (a container of another runtime).
    /// Throws <see cref="HttpRequestException"/> or <see cref="TaskCanceledException"/> when the engine cannot be
    /// reached or does not answer in time.
    /// </summary>
    public ContainerDetails? Inspect(string containerId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"containers/{Uri.EscapeDataString(containerId)}/json");
        using HttpResponseMessage response = _http.Send(request);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        using Stream body = response.Content.ReadAsStream();
        DockerInspectJson? inspect = JsonSerializer.Deserialize(body, DockerJsonContext.Default.DockerInspectJson);
        if (inspect is null)
        {
            return null;
        }
        (string? image, string? tag) = ImageReference.Split(inspect.Config?.Image);
        return new ContainerDetails(inspect.Name?.TrimStart('/'), image, tag,
            inspect.Config?.Labels is { Count: > 0 } labels ? labels : new Dictionary<string, string>());
    }

    public void Dispose() => _http.Dispose();
}
