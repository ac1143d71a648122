using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Tests;

/// <summary><c>CallBot:VideoChat:TurnTrustedCaFile</c>: checked at start, handed to the peer connection for <c>turns:</c>.</summary>
public sealed class TurnTrustedCaOptionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("callbot-ca-").FullName;

    [Fact]
    public async Task A_pem_ca_file_starts_and_reaches_the_peer_connection_options()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=CallBot test TURN CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(_directory, "ca.pem");
        await File.WriteAllTextAsync(path, ca.ExportCertificatePem(), TestContext.Current.CancellationToken);

        using var host = CallBotHost.CreateBuilder(["--CallBot:Telemetry:HealthPrefix=", "--CallBot:VideoChat:TurnTrustedCaFile=" + path]).Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var videoChat = ((IServiceProvider)host.Services).GetService(typeof(IOptions<VideoChatOptions>)) as IOptions<VideoChatOptions>;
        await host.StopAsync(TestContext.Current.CancellationToken);

        var options = CallBotRuntime.PeerConnectionOptionsFor(videoChat!.Value, loopbackOnly: false);
        using var trusted = options.TurnTrustedRootCertificate;
        Assert.NotNull(trusted);
        Assert.Equal(ca.Thumbprint, trusted.Thumbprint);
    }

    [Theory]
    [InlineData("missing.pem", null, "does not exist")]
    [InlineData("garbage.pem", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n", "not a PEM certificate")]
    [InlineData("empty.pem", "no pem here", "not a PEM certificate")]
    public async Task A_missing_or_unparsable_ca_file_fails_start_naming_the_key(string name, string? content, string reason)
    {
        var path = Path.Combine(_directory, name);
        if (content is not null)
        {
            await File.WriteAllTextAsync(path, content, TestContext.Current.CancellationToken);
        }

        using var host = CallBotHost.CreateBuilder(["--CallBot:Telemetry:HealthPrefix=", "--CallBot:VideoChat:TurnTrustedCaFile=" + path]).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("CallBot:VideoChat:TurnTrustedCaFile: ", failure, StringComparison.Ordinal);
        Assert.Contains(reason, failure, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
