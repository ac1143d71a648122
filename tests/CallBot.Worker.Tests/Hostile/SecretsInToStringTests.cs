using CallBot.Load.Scenario;
using CallBot.Rtc;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Sdp;

namespace CallBot.Worker.Tests.Hostile;

/// <summary>Issue 16 row 10: a record that carries a secret never prints it, however it ends up in a log line.</summary>
public sealed class SecretsInToStringTests
{
    private const string Secret = "S3CRET-never-printed";

    public static TheoryData<string, object> Records() => new()
    {
        { "IceServerConfig", new IceServerConfig(["turn:turn.example:3478"], "user", Secret) },
        { "NegotiatedSession", new NegotiatedSession("ufrag", Secret, new SdpFingerprint("sha-256", "AA:BB"), SdpDtlsRole.Client) },
        { "SdpTransportParameters", new SdpTransportParameters("ufrag", Secret, new SdpFingerprint("sha-256", "AA:BB")) },
        { "LoadUser", new LoadUser(7, "load-7", Secret, null) },
        { "IceCredentials", new IceCredentials("ufrag", Secret) },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void ToString_redacts_the_secret_but_keeps_the_rest(string name, object record)
    {
        var text = record.ToString()!;
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.True(text.Contains("ufrag", StringComparison.Ordinal) || text.Contains("turn.example", StringComparison.Ordinal) || text.Contains("load-7", StringComparison.Ordinal), $"{name}: {text}");
    }
}
