using System.Security.Cryptography;

namespace CallBot.Signaling.Xmpp.Sasl;

/// <summary>Picks the strongest mechanism both sides know: SCRAM-SHA-256, then SCRAM-SHA-1, then PLAIN.</summary>
internal static class SaslMechanismSelector
{
    public static ISaslMechanism? Select(IReadOnlyCollection<string> offered, string userName, string password, bool allowPlain)
    {
        if (offered.Contains(ScramClient.Sha256Name))
        {
            return new ScramClient(HashAlgorithmName.SHA256, userName, password);
        }
        if (offered.Contains(ScramClient.Sha1Name))
        {
            return new ScramClient(HashAlgorithmName.SHA1, userName, password);
        }
        if (allowPlain && offered.Contains(SaslPlain.MechanismName))
        {
            return new SaslPlain(userName, password);
        }
        return null;
    }
}
