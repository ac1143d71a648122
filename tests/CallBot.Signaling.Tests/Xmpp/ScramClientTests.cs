using System.Security.Cryptography;
using System.Text;
using CallBot.Signaling.Xmpp.Sasl;

namespace CallBot.Signaling.Tests.Xmpp;

public sealed class ScramClientTests
{
    // RFC 5802 §5: user "user", password "pencil".
    private const string Sha1ClientNonce = "fyko+d2lbbFgONRv9qkxdawL";
    private const string Sha1ServerFirst = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
    private const string Sha1ClientFinal = "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
    private const string Sha1ServerFinal = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";

    // RFC 7677 §3: user "user", password "pencil".
    private const string Sha256ClientNonce = "rOprNGfwEbeRWgbNEkqO";
    private const string Sha256ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string Sha256ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string Sha256ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    public static TheoryData<string, string, string, string, string> Vectors => new()
    {
        { "SHA1", Sha1ClientNonce, Sha1ServerFirst, Sha1ClientFinal, Sha1ServerFinal },
        { "SHA256", Sha256ClientNonce, Sha256ServerFirst, Sha256ClientFinal, Sha256ServerFinal },
    };

    private static ScramClient Client(string hash, string nonce) =>
        new(hash == "SHA1" ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256, "user", "pencil", nonce);

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Rfc_vector_client_messages_and_server_signature(string hash, string nonce, string serverFirst, string clientFinal, string serverFinal)
    {
        var scram = Client(hash, nonce);
        Assert.Equal("n,,n=user,r=" + nonce, Encoding.UTF8.GetString(scram.InitialResponse()));
        Assert.True(scram.TryRespond(Encoding.UTF8.GetBytes(serverFirst), out byte[] response, out string? error), error);
        Assert.Equal(clientFinal, Encoding.UTF8.GetString(response));
        Assert.True(scram.TryVerifySuccess(Encoding.UTF8.GetBytes(serverFinal), out error), error);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Wrong_server_signature_fails_mutual_authentication(string hash, string nonce, string serverFirst, string clientFinal, string serverFinal)
    {
        _ = clientFinal;
        var scram = Client(hash, nonce);
        Assert.True(scram.TryRespond(Encoding.UTF8.GetBytes(serverFirst), out _, out _));
        string tampered = serverFinal[..^4] + "AAA=";
        Assert.False(scram.TryVerifySuccess(Encoding.UTF8.GetBytes(tampered), out string? error));
        Assert.Contains("does not match", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s=QSXCR+Q6sek8bf92,i=4096", "lacks")]                                        // no nonce
    [InlineData("r=OTHERNONCE,s=QSXCR+Q6sek8bf92,i=4096", "does not extend")]                 // nonce not ours
    [InlineData("r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096", "does not extend")]   // server added nothing
    [InlineData("r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=1", "iteration")]          // too few iterations
    [InlineData("r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=99999999999", "iteration")] // overflow
    [InlineData("r=fyko+d2lbbFgONRv9qkxdawLx,s=!!!,i=4096", "base64")]                         // bad salt
    [InlineData("m=ext,r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4096", "extension")]   // mandatory extension
    [InlineData("", "lacks")]
    public void Bad_server_first_is_refused_without_throwing(string serverFirst, string reason)
    {
        var scram = Client("SHA1", Sha1ClientNonce);
        Assert.False(scram.TryRespond(Encoding.UTF8.GetBytes(serverFirst), out _, out string? error));
        Assert.Contains(reason, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Success_before_the_exchange_is_refused()
    {
        var scram = Client("SHA256", Sha256ClientNonce);
        Assert.False(scram.TryVerifySuccess(Encoding.UTF8.GetBytes(Sha256ServerFinal), out _));
    }

    [Fact]
    public void User_name_with_comma_and_equals_is_escaped()
    {
        var scram = new ScramClient(HashAlgorithmName.SHA1, "a,b=c", "p", "n0nce");
        Assert.Equal("n,,n=a=2Cb=3Dc,r=n0nce", scram.ClientFirstMessage);
    }

    [Fact]
    public void Plain_initial_response_is_nul_separated()
    {
        Assert.Equal("\0" + "1-7\0secret", Encoding.UTF8.GetString(new SaslPlain("1-7", "secret").InitialResponse()));
    }

    [Fact]
    public void Selector_prefers_sha256_then_sha1_and_plain_only_when_allowed()
    {
        Assert.Equal("SCRAM-SHA-256", SaslMechanismSelector.Select(["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"], "u", "p", true)!.Name);
        Assert.Equal("SCRAM-SHA-1", SaslMechanismSelector.Select(["PLAIN", "SCRAM-SHA-1"], "u", "p", true)!.Name);
        Assert.Equal("PLAIN", SaslMechanismSelector.Select(["PLAIN"], "u", "p", true)!.Name);
        Assert.Null(SaslMechanismSelector.Select(["PLAIN"], "u", "p", false));
        Assert.Null(SaslMechanismSelector.Select(["DIGEST-MD5"], "u", "p", true));
    }
}
