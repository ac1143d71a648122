using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace CallBot.Signaling.Xmpp.Transports;

/// <summary>TLS server certificate validation: the system store, plus one explicitly trusted certificate by option.</summary>
internal sealed class CertificateTrust
{
    private readonly X509Certificate2? _trusted;
    private readonly bool _acceptAny;

    public CertificateTrust(XmppClientOptions options)
    {
        _acceptAny = options.DangerousAcceptAnyServerCertificate;
        if (options.TrustedCertificatePath is { Length: > 0 } path)
        {
            _trusted = X509CertificateLoader.LoadCertificateFromFile(path);
        }
    }

    public string? LastFailure { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_acceptAny || errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (_trusted is null || certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            LastFailure = errors.ToString();
            return false;
        }
        // Name matched; only the chain failed. Rebuild it with the trusted certificate as the only root.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        bool ok = custom.Build(leaf);
        LastFailure = ok ? null : "chain does not end at the trusted certificate";
        return ok;
    }
}
