using System.Net;
using CallBot.Rtc.Dtls;
using CallBot.Rtc.Srtp;

namespace CallBot.Rtc.Tests.Dtls;

/// <summary>
/// DTLS-SRTP against real OpenSSL (s_server / s_client) over loopback UDP. The keying material OpenSSL prints
/// (<c>-keymatexport EXTRACTOR-dtls_srtp</c>) is turned into SRTP contexts and must interoperate with ours.
/// </summary>
public sealed class OpenSslInteropTests : IDisposable
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);
    private readonly string directory = Directory.CreateTempSubdirectory("callbot-dtls-").FullName;
    private readonly DtlsCertificate openSslIdentity = DtlsCertificate.Generate("openssl");
    private readonly DtlsCertificate ourIdentity = DtlsCertificate.Generate("callbot");

    public OpenSslInteropTests()
    {
        File.WriteAllText(CertificatePath, openSslIdentity.ExportCertificatePem());
        File.WriteAllText(KeyPath, openSslIdentity.ExportPrivateKeyPem());
    }

    public static TheoryData<string, string> Profiles => new()
    {
        { "SRTP_AES128_CM_SHA1_80", SrtpProfile.Aes128CmHmacSha1Tag80.Name },
        { "SRTP_AEAD_AES_128_GCM", SrtpProfile.AeadAes128Gcm.Name },
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string CertificatePath => Path.Combine(directory, "cert.pem");

    private string KeyPath => Path.Combine(directory, "key.pem");

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task CallBot_client_with_openssl_server(string openSslProfile, string profileName)
    {
        var profile = SrtpProfile.All.Single(p => p.Name == profileName);
        var port = CallBot.TestSupport.FreePort.Udp();
        using var openssl = new OpenSslProcess(
        [
            "s_server", "-dtls1_2", "-accept", $"127.0.0.1:{port}", "-cert", CertificatePath, "-key", KeyPath,
            "-verify", "1", "-use_srtp", openSslProfile,
            "-keymatexport", DtlsSrtpKeys.ExporterLabel, "-keymatexportlen", profile.KeyingMaterialLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ], readyMarker: "ACCEPT");
        await openssl.Ready.WaitAsync(TestTimeout, Ct);

        await using var endpoint = new UdpDtlsEndpoint(new IPEndPoint(IPAddress.Loopback, port));
        var transport = endpoint.Attach(Options(DtlsRole.Client));
        var ours = await transport.HandshakeAsync(Ct).WaitAsync(TestTimeout, Ct);
        var material = await openssl.KeyingMaterial.WaitAsync(TestTimeout, Ct);

        AssertSameKeys(ours, material, profile, theirRole: DtlsRole.Server);
        Assert.Contains($"SRTP Extension negotiated, profile={openSslProfile}", openssl.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task CallBot_server_with_openssl_client(string openSslProfile, string profileName)
    {
        var profile = SrtpProfile.All.Single(p => p.Name == profileName);
        await using var endpoint = new UdpDtlsEndpoint();
        var transport = endpoint.Attach(Options(DtlsRole.Server));
        var handshake = transport.HandshakeAsync(Ct);

        using var openssl = new OpenSslProcess(
        [
            "s_client", "-dtls1_2", "-connect", $"127.0.0.1:{endpoint.Port}", "-cert", CertificatePath, "-key", KeyPath,
            "-use_srtp", openSslProfile,
            "-keymatexport", DtlsSrtpKeys.ExporterLabel, "-keymatexportlen", profile.KeyingMaterialLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ], readyMarker: "CONNECTED");

        var ours = await handshake.WaitAsync(TestTimeout, Ct);
        var material = await openssl.KeyingMaterial.WaitAsync(TestTimeout, Ct);

        AssertSameKeys(ours, material, profile, theirRole: DtlsRole.Client);
        Assert.True(ours.ExtendedMasterSecret);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private DtlsSrtpOptions Options(DtlsRole role) => new()
    {
        Role = role,
        Certificate = ourIdentity,
        RemoteFingerprints = [openSslIdentity.Fingerprint],
        InitialRetransmitTimeout = TimeSpan.FromMilliseconds(300),
    };

    private static void AssertSameKeys(DtlsSrtpResult ours, byte[] theirMaterial, SrtpProfile profile, DtlsRole theirRole)
    {
        Assert.Same(profile, ours.Profile);
        var (theirLocal, theirRemote) = DtlsSrtpKeys.CreateContexts(theirMaterial, profile, theirRole);
        using (theirLocal)
        using (theirRemote)
        using (ours.LocalContext)
        using (ours.RemoteContext)
        {
            DtlsTestPeers.AssertFlows(ours.LocalContext, theirRemote, 0xAAAA);
            DtlsTestPeers.AssertFlows(theirLocal, ours.RemoteContext, 0xBBBB);
        }
    }
}
