using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace CallBot.Rtc.Dtls;

/// <summary>
/// The local DTLS identity: a self-signed certificate (ECDSA P-256 by default, as browsers use) and its private
/// key, with the fingerprint to put in SDP. Create one per process with <see cref="Generate"/> and share it across
/// peer connections, or load one with <see cref="FromPem"/>. Immutable and thread-safe.
/// </summary>
public sealed class DtlsCertificate
{
    private readonly byte[] _certificateDer;
    private readonly byte[] _privateKeyPkcs8;

    private DtlsCertificate(byte[] certificateDer, byte[] privateKeyPkcs8)
    {
        _certificateDer = certificateDer;
        _privateKeyPkcs8 = privateKeyPkcs8;
        PrivateKey = PrivateKeyFactory.CreateKey(privateKeyPkcs8);
        Fingerprint = DtlsFingerprint.Compute(certificateDer);
    }

    /// <summary>sha-256 fingerprint of the certificate, for <c>a=fingerprint</c>.</summary>
    public DtlsFingerprint Fingerprint { get; }

    public ReadOnlySpan<byte> CertificateDer => _certificateDer;

    internal AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>A new ECDSA P-256 self-signed certificate. Browsers ignore dates and names; validity only has to cover the call.</summary>
    public static DtlsCertificate Generate(string commonName = "CallBot", TimeSpan? validity = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.Add(validity ?? TimeSpan.FromDays(30)));
        return new DtlsCertificate(certificate.RawData, key.ExportPkcs8PrivateKey());
    }

    /// <summary>Loads a PEM certificate and its PEM private key (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY"; RSA also accepted).</summary>
    public static DtlsCertificate FromPem(string certificatePem, string privateKeyPem)
    {
        using var certificate = X509Certificate2.CreateFromPem(certificatePem);
        byte[] pkcs8;
        if (privateKeyPem.Contains("RSA PRIVATE KEY", StringComparison.Ordinal))
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(privateKeyPem);
            pkcs8 = rsa.ExportPkcs8PrivateKey();
        }
        else
        {
            try
            {
                using var ecdsa = ECDsa.Create();
                ecdsa.ImportFromPem(privateKeyPem);
                pkcs8 = ecdsa.ExportPkcs8PrivateKey();
            }
            catch (ArgumentException)
            {
                using var rsa = RSA.Create();
                rsa.ImportFromPem(privateKeyPem);
                pkcs8 = rsa.ExportPkcs8PrivateKey();
            }
        }

        return new DtlsCertificate(certificate.RawData, pkcs8);
    }

    public string ExportCertificatePem() => PemEncoding.WriteString("CERTIFICATE", _certificateDer);

    /// <summary>The private key as PKCS#8 PEM. Handle as a secret: never log it.</summary>
    public string ExportPrivateKeyPem() => PemEncoding.WriteString("PRIVATE KEY", _privateKeyPkcs8);

    internal bool IsEcdsa => PrivateKey is Org.BouncyCastle.Crypto.Parameters.ECPrivateKeyParameters;
}
