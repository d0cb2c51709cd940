using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SocketAgent.Collection.Containers;

/// <summary>
/// Reads the node's pod list from a <see cref="PodListSource"/> with <see cref="HttpClient"/> (no Kubernetes SDK: one
/// GET, read by a source-generated contract, so native AOT keeps working). Synchronous: a list is fetched while a
/// line is encoded, only when an unknown container id appears.
/// </summary>
internal sealed class PodListClient : IDisposable
{
    // A node's pod list can run to megabytes (110 pods with their specs).
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);
    private readonly PodListSource _source;
    private readonly HttpClient _http;
    private X509Certificate2Collection? _ca;
    private DateTime _caWritten;
    // Why the last handshake refused the server, in words the log can carry (the exception only says "rejected").
    private string? _tlsFailure;

    public PodListClient(PodListSource source)
    {
        _source = source;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = s_timeout,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validate },
        };
        _http = new HttpClient(handler) { Timeout = s_timeout };
    }

    public PodListSource Source => _source;

    /// <summary>
    /// Container id → details for every started container of the list. Throws <see cref="HttpRequestException"/>
    /// (unreachable, refused, TLS, an error status), <see cref="TaskCanceledException"/> (no answer in time),
    /// <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> (the token) and
    /// <see cref="System.Text.Json.JsonException"/> (not a pod list).
    /// </summary>
    public Dictionary<string, ContainerDetails> GetPods()
    {
        string token = File.ReadAllText(_source.TokenFile).Trim();
        using var request = new HttpRequestMessage(HttpMethod.Get, _source.Uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage response;
        try
        {
            _tlsFailure = null;
            response = _http.Send(request);
        }
        catch (HttpRequestException ex) when (ex.InnerException is AuthenticationException && _tlsFailure is string failure)
        {
            throw new HttpRequestException($"TLS: {failure}", ex);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException(StatusMessage(response.StatusCode), null, response.StatusCode);
            }
            using Stream body = response.Content.ReadAsStream();
            return PodListReader.Read(body);
        }
    }

    private static string StatusMessage(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => "401 Unauthorized: the service-account token was refused",
        HttpStatusCode.Forbidden => $"403 Forbidden: the service account needs get on {PodListSource.KubeletResource} (kubelet) or list on {PodListSource.ApiServerResource} (API server)",
        _ => $"HTTP {(int)status} {status}",
    };

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_source.SkipTlsVerify)
        {
            return true;
        }
        if (certificate is null)
        {
            _tlsFailure = "the server sent no certificate";
            return false;
        }
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            _tlsFailure = $"the server's certificate ({certificate.Subject}) is not for {_source.Uri.Host}";
            return false;
        }
        X509Certificate2Collection ca;
        try
        {
            ca = LoadCa();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            _tlsFailure = $"the CA file {_source.CaFile} cannot be read ({ex.Message})";
            return false;
        }
        // Trust the CA file only, not the system store: the cluster's CA is private.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (custom.Build(leaf))
        {
            return true;
        }
        string status = string.Join(", ", custom.ChainStatus.Select(static s => s.Status.ToString()).Distinct());
        _tlsFailure = $"the server's certificate ({certificate.Subject}, issued by {certificate.Issuer}) does not chain to the CA in {_source.CaFile} ({status})";
        return false;
    }

    /// <summary>The CA file's certificates, read again when the file changes.</summary>
    private X509Certificate2Collection LoadCa()
    {
        DateTime written = File.GetLastWriteTimeUtc(_source.CaFile);
        if (_ca is null || written != _caWritten)
        {
            if (!File.Exists(_source.CaFile))
            {
                throw new FileNotFoundException("no such file");
            }
            var ca = new X509Certificate2Collection();
            ca.ImportFromPemFile(_source.CaFile);
            if (ca.Count == 0)
            {
                throw new CryptographicException("no PEM certificate in it");
            }
            _ca = ca;
            _caWritten = written;
        }
        return _ca;
    }

    public void Dispose() => _http.Dispose();
}
