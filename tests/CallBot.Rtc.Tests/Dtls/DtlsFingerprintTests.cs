using System.Security.Cryptography;
using CallBot.Rtc.Dtls;

namespace CallBot.Rtc.Tests.Dtls;

public sealed class DtlsFingerprintTests
{
    [Fact]
    public void Sdp_format_is_lower_case_algorithm_and_upper_case_colon_hex()
    {
        var certificate = DtlsCertificate.Generate();
        var text = certificate.Fingerprint.ToString();
        Assert.Matches("^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$", text);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(certificate.CertificateDer)), text[8..].Replace(":", "", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("sha-256 D1:36:0B:66:9E:C0:EF:2C:E4:FE:48:06:E4:8B:D2:E2:CB:3E:4F:C9:C9:0D:5B:D9:86:3F:0E:EA:32:A3:A5:D0")]
    [InlineData("SHA-256 d1:36:0b:66:9e:c0:ef:2c:e4:fe:48:06:e4:8b:d2:e2:cb:3e:4f:c9:c9:0d:5b:d9:86:3f:0e:ea:32:a3:a5:d0")]
    public void Parses_what_browsers_send_in_either_case(string value)
    {
        Assert.True(DtlsFingerprint.TryParse(value, out var fingerprint));
        Assert.Equal("sha-256", fingerprint.Algorithm);
        Assert.Equal(0xD1, fingerprint.Digest[0]);
        Assert.Equal(value.ToUpperInvariant().Replace("SHA-256", "sha-256", StringComparison.Ordinal), fingerprint.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha-256")]
    [InlineData("md5 00:11")]
    [InlineData("sha-1 D1:36:0B:66:9E:C0:EF:2C:E4:FE:48:06:E4:8B:D2:E2:CB:3E:4F:C9")] // refused: RFC 8827 wants sha-256
    [InlineData("sha-256 D1:36")]
    [InlineData("sha-256 D1-36-0B-66-9E-C0-EF-2C-E4-FE-48-06-E4-8B-D2-E2-CB-3E-4F-C9-C9-0D-5B-D9-86-3F-0E-EA-32-A3-A5-D0")]
    [InlineData("sha-256 ZZ:36:0B:66:9E:C0:EF:2C:E4:FE:48:06:E4:8B:D2:E2:CB:3E:4F:C9:C9:0D:5B:D9:86:3F:0E:EA:32:A3:A5:D0")]
    public void Rejects_malformed_values_without_throwing(string? value) => Assert.False(DtlsFingerprint.TryParse(value, out _));

    [Fact]
    public void Matches_only_its_own_certificate()
    {
        var a = DtlsCertificate.Generate();
        var b = DtlsCertificate.Generate();
        Assert.True(a.Fingerprint.Matches(a.CertificateDer));
        Assert.False(a.Fingerprint.Matches(b.CertificateDer));
        Assert.True(DtlsFingerprint.Compute(a.CertificateDer, "sha-512").Matches(a.CertificateDer));
    }

    [Fact]
    public void Pem_round_trip_keeps_certificate_and_key()
    {
        var original = DtlsCertificate.Generate("pem");
        var loaded = DtlsCertificate.FromPem(original.ExportCertificatePem(), original.ExportPrivateKeyPem());
        Assert.Equal(original.Fingerprint, loaded.Fingerprint);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", original.ExportCertificatePem(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_loaded_from_pem_handshakes()
    {
        var server = DtlsCertificate.FromPem(DtlsTestPeers.ServerCertificate.ExportCertificatePem(), DtlsTestPeers.ServerCertificate.ExportPrivateKeyPem());
        var link = new DatagramLink();
        var serverOptions = DtlsTestPeers.Options(DtlsRole.Server);
        var (client, serverTransport) = DtlsTestPeers.Connect(link, DtlsTestPeers.Options(DtlsRole.Client),
            new DtlsSrtpOptions { Role = DtlsRole.Server, Certificate = server, RemoteFingerprints = serverOptions.RemoteFingerprints });
        await using var c = client;
        await using var s = serverTransport;
        var results = await Task.WhenAll(client.HandshakeAsync(TestContext.Current.CancellationToken), serverTransport.HandshakeAsync(TestContext.Current.CancellationToken))
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        DtlsTestPeers.AssertSrtpFlowsBothWays(results[0], results[1]);
    }
}
