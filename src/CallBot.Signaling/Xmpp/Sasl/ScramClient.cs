using System.Security.Cryptography;
using System.Text;

namespace CallBot.Signaling.Xmpp.Sasl;

// CA5350: SCRAM-SHA-1 is what XMPP servers (Prosody's default store) offer; SHA-256 is preferred when offered.
#pragma warning disable CA5350

/// <summary>
/// SCRAM client (RFC 5802; SHA-256 variant RFC 7677), without channel binding (gs2 header <c>n,,</c>).
/// <code>
///   C: n,,n=user,r=cnonce                                  client-first
///   S: r=cnonce+snonce,s=base64(salt),i=iterations          server-first
///   C: c=biws,r=cnonce+snonce,p=base64(ClientProof)         client-final
///   S: v=base64(ServerSignature)                            server-final
///   SaltedPassword = Hi(password, salt, i)   (PBKDF2)
///   ClientKey = HMAC(SaltedPassword, "Client Key")   StoredKey = H(ClientKey)
///   AuthMessage = client-first-bare + "," + server-first + "," + client-final-without-proof
///   ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage)
///   ServerSignature = HMAC(HMAC(SaltedPassword, "Server Key"), AuthMessage)
/// </code>
/// </summary>
internal sealed class ScramClient : ISaslMechanism
{
    public const string Sha1Name = "SCRAM-SHA-1";
    public const string Sha256Name = "SCRAM-SHA-256";
    private const string Gs2Header = "n,,";
    private const string ChannelBindingBase64 = "biws"; // base64("n,,")
    private const int MinIterations = 1024;
    private const int MaxIterations = 1_000_000;
    private const int ClientNonceBytes = 24;

    private readonly HashAlgorithmName _hash;
    private readonly string _password;
    private readonly string _clientFirstBare;
    private readonly string _clientNonce;
    private byte[]? _expectedServerSignature;

    public ScramClient(HashAlgorithmName hash, string userName, string password, string? clientNonce = null)
    {
        _hash = hash;
        _password = password;
        _clientNonce = clientNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(ClientNonceBytes));
        _clientFirstBare = "n=" + EscapeName(userName) + ",r=" + _clientNonce;
        Name = hash == HashAlgorithmName.SHA256 ? Sha256Name : Sha1Name;
    }

    public string Name { get; }

    public string ClientFirstMessage => Gs2Header + _clientFirstBare;

    public byte[] InitialResponse() => Encoding.UTF8.GetBytes(ClientFirstMessage);

    public bool TryRespond(ReadOnlySpan<byte> challenge, out byte[] response, out string? error)
    {
        response = [];
        if (_expectedServerSignature is not null)
        {
            // A second challenge carries the server-final message (some servers send it before success).
            if (!TryVerifySuccess(challenge, out error))
            {
                return false;
            }
            return true;
        }
        if (!TryComputeClientFinal(Encoding.UTF8.GetString(challenge), out string clientFinal, out error))
        {
            return false;
        }
        response = Encoding.UTF8.GetBytes(clientFinal);
        return true;
    }

    public bool TryComputeClientFinal(string serverFirst, out string clientFinal, out string? error)
    {
        clientFinal = string.Empty;
        string? nonce = null;
        string? salt = null;
        string? iterationsText = null;
        foreach (string part in serverFirst.Split(','))
        {
            if (part.Length < 2 || part[1] != '=')
            {
                continue;
            }
            switch (part[0])
            {
                case 'r': nonce = part[2..]; break;
                case 's': salt = part[2..]; break;
                case 'i': iterationsText = part[2..]; break;
                case 'm':
                    error = "server requires an unsupported SCRAM extension";
                    return false;
            }
        }
        if (nonce is null || salt is null || iterationsText is null)
        {
            error = "server-first-message lacks r, s or i";
            return false;
        }
        if (!nonce.StartsWith(_clientNonce, StringComparison.Ordinal) || nonce.Length == _clientNonce.Length)
        {
            error = "server nonce does not extend the client nonce";
            return false;
        }
        if (!int.TryParse(iterationsText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int iterations)
            || iterations < MinIterations || iterations > MaxIterations)
        {
            error = $"iteration count '{LogText.Truncate(iterationsText, 16)}' outside {MinIterations}..{MaxIterations}";
            return false;
        }
        if (!TryDecodeBase64(salt, "salt", out var saltBytes, out error))
        {
            return false;
        }
        int hashLength = _hash == HashAlgorithmName.SHA256 ? 32 : 20;
        byte[] salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(_password), saltBytes, iterations, _hash, hashLength);
        byte[] clientKey = Hmac(salted, "Client Key"u8);
        byte[] storedKey = _hash == HashAlgorithmName.SHA256 ? SHA256.HashData(clientKey) : SHA1.HashData(clientKey);
        string withoutProof = "c=" + ChannelBindingBase64 + ",r=" + nonce;
        byte[] authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + serverFirst + "," + withoutProof);
        byte[] clientSignature = Hmac(storedKey, authMessage);
        for (int i = 0; i < clientKey.Length; i++)
        {
            clientKey[i] ^= clientSignature[i];
        }
        _expectedServerSignature = Hmac(Hmac(salted, "Server Key"u8), authMessage);
        clientFinal = withoutProof + ",p=" + Convert.ToBase64String(clientKey);
        error = null;
        return true;
    }

    public bool TryVerifySuccess(ReadOnlySpan<byte> additionalData, out string? error)
    {
        if (_expectedServerSignature is null)
        {
            error = "success before the SCRAM exchange finished";
            return false;
        }
        string text = Encoding.UTF8.GetString(additionalData);
        if (text.StartsWith("e=", StringComparison.Ordinal))
        {
            error = "server-final error: " + text[2..];
            return false;
        }
        if (!text.StartsWith("v=", StringComparison.Ordinal))
        {
            error = "server-final-message lacks v=";
            return false;
        }
        int comma = text.IndexOf(',', StringComparison.Ordinal);
        string signature = comma >= 0 ? text[2..comma] : text[2..];
        if (!TryDecodeBase64(signature, "server signature", out var got, out error))
        {
            return false;
        }
        if (!CryptographicOperations.FixedTimeEquals(got, _expectedServerSignature))
        {
            error = "server signature does not match: the server does not know the password";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>Both base64 fields of the server's messages (salt, signature) are refused alike when they do not decode.</summary>
    private static bool TryDecodeBase64(string text, string field, out byte[] bytes, out string? error)
    {
        try
        {
            bytes = Convert.FromBase64String(text);
            error = null;
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            error = field + " is not base64";
            return false;
        }
    }

    private byte[] Hmac(byte[] key, ReadOnlySpan<byte> data) =>
        _hash == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data) : HMACSHA1.HashData(key, data);

    /// <summary>RFC 5802 §5.1: '=' and ',' in the user name become =3D and =2C.</summary>
    private static string EscapeName(string name) => name.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);
}
