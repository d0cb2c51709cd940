using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// Stands in for a kubelet's authenticated port: HTTPS on 127.0.0.1 (TcpListener + SslStream, a certificate from
/// <see cref="TestCertificates"/>), answering <c>GET /pods</c> with a recorded-shape PodList when the request carries
/// <c>Authorization: Bearer TOKEN</c>, 401 without it, 404 for other paths. One request per connection
/// (<c>Connection: close</c>). <see cref="Stop"/> closes the port (connections are refused) and <see cref="Start"/>
/// opens it again on the same port.
/// </summary>
internal sealed class LoopbackKubelet : IDisposable
{
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _certificate;
    private readonly Lock _gate = new();
    private TcpListener? _listener;
    private Task? _acceptLoop;
    private int _requests;

    public LoopbackKubelet(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, byte[] podList, string token)
    {
        _certificate = certificate;
        PodList = podList;
        Token = token;
        Start();
        Port = ((IPEndPoint)_listener!.LocalEndpoint).Port;
    }

    public int Port { get; private set; }

    /// <summary><c>https://127.0.0.1:PORT</c>, what <c>containers.kubernetes.kubelet_url</c> takes.</summary>
    public Uri BaseUri => new($"https://127.0.0.1:{Port}");

    /// <summary>The bearer token it accepts (settable: projected tokens rotate).</summary>
    public string Token { get; set; }

    /// <summary>The body of <c>GET /pods</c>.</summary>
    public byte[] PodList { get; set; }

    /// <summary>Answers with this status instead of the list when set (403: RBAC refused).</summary>
    public HttpStatusCode? Refuse { get; set; }

    /// <summary>Requests that completed a TLS handshake and were answered.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The Authorization headers it was sent, in order.</summary>
    public List<string?> Authorizations { get; } = [];

    public void Start()
    {
        lock (_gate)
        {
            var listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            _listener = listener;
            _acceptLoop = Task.Run(() => AcceptLoopAsync(listener));
        }
    }

    public void Stop()
    {
        Task? loop;
        lock (_gate)
        {
            _listener?.Stop();
            _listener = null;
            loop = _acceptLoop;
        }
        loop?.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }).ConfigureAwait(false);
                (string path, string? authorization) = await ReadRequestAsync(tls).ConfigureAwait(false);
                lock (Authorizations)
                {
                    Authorizations.Add(authorization);
                }
                (int status, byte[] body) = path != "/pods" ? (404, "404 page not found\n"u8.ToArray())
                    : authorization != $"Bearer {Token}" ? (401, "Unauthorized\n"u8.ToArray())
                    : Refuse is HttpStatusCode refused ? ((int)refused, Encoding.UTF8.GetBytes($"{refused}\n"))
                    : (200, PodList);
                string head = $"HTTP/1.1 {status} {(HttpStatusCode)status}\r\nContent-Type: {(status == 200 ? "application/json" : "text/plain; charset=utf-8")}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await tls.WriteAsync(Encoding.ASCII.GetBytes(head)).ConfigureAwait(false);
                await tls.WriteAsync(body).ConfigureAwait(false);
                await tls.FlushAsync().ConfigureAwait(false);
                Interlocked.Increment(ref _requests);
            }
            catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or SocketException)
            {
                // A client that refused the certificate closes the connection during the handshake.
            }
        }
    }

    /// <summary>The request's path and Authorization header (a GET: headers only).</summary>
    private static async Task<(string Path, string? Authorization)> ReadRequestAsync(Stream stream)
    {
        var buffer = new byte[16 * 1024];
        int length = 0;
        while (true)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(length)).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("the client closed before the end of its request");
            }
            length += read;
            string text = Encoding.ASCII.GetString(buffer, 0, length);
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                if (length == buffer.Length)
                {
                    throw new IOException("request headers too long");
                }
                continue;
            }
            string[] lines = text[..end].Split("\r\n");
            string path = lines[0].Split(' ')[1];
            string? authorization = lines.Skip(1)
                .Where(static l => l.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase))
                .Select(static l => l["Authorization:".Length..].Trim())
                .FirstOrDefault();
            return (path, authorization);
        }
    }

    public void Dispose() => Stop();
}
