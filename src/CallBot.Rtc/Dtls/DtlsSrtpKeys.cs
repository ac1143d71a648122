using CallBot.Rtc.Srtp;

namespace CallBot.Rtc.Dtls;

/// <summary>
/// Splits the exported keying material (RFC 5764 §4.2) and builds the two SRTP contexts for a role:
/// <code>
///   client_write_SRTP_master_key | server_write_SRTP_master_key | client_write_SRTP_master_salt | server_write_SRTP_master_salt
/// </code>
/// </summary>
public static class DtlsSrtpKeys
{
    /// <summary>The RFC 5705 exporter label for DTLS-SRTP.</summary>
    public const string ExporterLabel = "EXTRACTOR-dtls_srtp";

    public static void Split(ReadOnlySpan<byte> keyingMaterial, SrtpProfile profile,
        out byte[] clientKey, out byte[] clientSalt, out byte[] serverKey, out byte[] serverSalt)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (keyingMaterial.Length != profile.KeyingMaterialLength)
        {
            throw new ArgumentException($"{profile.Name} needs {profile.KeyingMaterialLength} bytes of keying material.", nameof(keyingMaterial));
        }

        var key = profile.MasterKeyLength;
        var salt = profile.MasterSaltLength;
        clientKey = keyingMaterial[..key].ToArray();
        serverKey = keyingMaterial.Slice(key, key).ToArray();
        clientSalt = keyingMaterial.Slice(2 * key, salt).ToArray();
        serverSalt = keyingMaterial.Slice((2 * key) + salt, salt).ToArray();
    }

    /// <summary>Local context protects with our write key; remote context unprotects with the peer's write key.</summary>
    public static (SrtpContext Local, SrtpContext Remote) CreateContexts(ReadOnlySpan<byte> keyingMaterial, SrtpProfile profile,
        DtlsRole role, SrtpContextOptions? options = null)
    {
        Split(keyingMaterial, profile, out var clientKey, out var clientSalt, out var serverKey, out var serverSalt);
        try
        {
            var client = new SrtpContext(profile, clientKey, clientSalt, options);
            var server = new SrtpContext(profile, serverKey, serverSalt, options);
            return role == DtlsRole.Client ? (client, server) : (server, client);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(clientKey);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(serverKey);
        }
    }
}
