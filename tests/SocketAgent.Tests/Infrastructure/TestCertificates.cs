using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// A throwaway CA and a server certificate it signs for 127.0.0.1 and localhost, made with
/// <see cref="CertificateRequest"/>, as a cluster CA signs a kubelet's serving certificate.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private TestCertificates(X509Certificate2 ca, X509Certificate2 server)
    {
        Ca = ca;
        Server = server;
    }

    /// <summary>The CA (public part only is written out).</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The server's certificate, with its private key.</summary>
    public X509Certificate2 Server { get; }

    public static TestCertificates Create(string caName = "socket-agent-test-ca")
    {
        using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using ECDsa serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=system:node:worker-2.cluster.example", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using X509Certificate2 signed = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(12));
        using X509Certificate2 withKey = signed.CopyWithPrivateKey(serverKey);
        // Through PKCS#12 so that SslStream gets a key it can use on every platform.
        X509Certificate2 server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return new TestCertificates(ca, server);
    }

    /// <summary>Writes the CA as PEM (what <c>ca.crt</c> holds) to <paramref name="path"/>.</summary>
    public void WriteCa(string path) => File.WriteAllText(path, Ca.ExportCertificatePem() + "\n");

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
    }
}
