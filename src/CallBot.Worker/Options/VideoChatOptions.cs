using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CallBot.Worker.Options;

/// <summary>
/// Call settings with the ConnectyCube SDK's names and defaults (<c>videochat</c> config). Section <c>CallBot:VideoChat</c>.
/// </summary>
public sealed class VideoChatOptions
{
    public const string Section = "CallBot:VideoChat";

    /// <summary>Seconds the caller keeps dialing before "user not answered" (SDK default 60).</summary>
    [Range(1, 3600)]
    public double AnswerTimeInterval { get; set; } = 60;

    /// <summary>Seconds between re-sent <c>call</c> signals while dialing (SDK default 5).</summary>
    [Range(0.1, 600)]
    public double DialingTimeInterval { get; set; } = 5;

    /// <summary>Seconds a peer may stay disconnected before it is released (SDK default 30).</summary>
    [Range(1, 86_400)]
    public double DisconnectTimeInterval { get; set; } = 30;

    /// <summary>Relay-only ICE policy (<c>iceTransportPolicy: relay</c>): only TURN relay candidates; needs a <c>turn:</c>/<c>turns:</c> server.</summary>
    public bool AlwaysRelayCalls { get; set; }

    /// <summary>Call-wide cap in kbit/s announced in <c>userInfo.maxBandwidth</c>; 0 = none.</summary>
    [Range(0, 100_000)]
    public int MaxBandwidth { get; set; }

    /// <summary>
    /// Gather only loopback host candidates and accept the peer's loopback candidates (tests and single-machine labs: the
    /// demo and the load lab set it; not an SDK setting).
    /// </summary>
    public bool LoopbackCandidatesOnly { get; set; }

    /// <summary>
    /// Send ICE checks to a caller's loopback candidates (127.0.0.0/8, ::1). Off by default: a caller could aim the bot's
    /// checks at services on the bot's own host. <see cref="LoopbackCandidatesOnly"/> implies it.
    /// </summary>
    public bool AllowLoopbackRemoteCandidates { get; set; }

    /// <summary>
    /// Send ICE checks to a caller's private-range candidates (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7). Off by
    /// default (a caller could probe the bot's LAN); turn on when callers share a LAN or VPN with the bot.
    /// </summary>
    public bool AllowPrivateRemoteCandidates { get; set; }

    /// <summary>PEM file of a private CA trusted for <c>turns:</c> servers; checked at start.</summary>
    public string? TurnTrustedCaFile { get; set; }

    /// <summary>The certificate in <see cref="TurnTrustedCaFile"/>, or null when none is configured.</summary>
    public X509Certificate2? LoadTurnTrustedCa() =>
        string.IsNullOrEmpty(TurnTrustedCaFile) ? null : X509Certificate2.CreateFromPem(File.ReadAllText(TurnTrustedCaFile));

    /// <summary>Why <see cref="TurnTrustedCaFile"/> is unusable, or null when it is unset or loads.</summary>
    public string? TurnTrustedCaProblem()
    {
        if (string.IsNullOrEmpty(TurnTrustedCaFile))
        {
            return null;
        }

        if (!File.Exists(TurnTrustedCaFile))
        {
            return $"file '{TurnTrustedCaFile}' does not exist";
        }

        try
        {
            using var certificate = LoadTurnTrustedCa();
            return null;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            return $"file '{TurnTrustedCaFile}' is not a PEM certificate: {e.Message}";
        }
    }

    /// <summary>STUN/TURN servers, exactly as the SDK's <c>iceServers</c>.</summary>
    public List<IceServerOptions> IceServers { get; set; } = [];

    /// <summary><see cref="IceServers"/> in the peer connection's shape.</summary>
    public IReadOnlyList<CallBot.Rtc.IceServerConfig> ToIceServerConfigs()
    {
        var servers = new List<CallBot.Rtc.IceServerConfig>(IceServers.Count);
        foreach (var server in IceServers)
        {
            servers.Add(new CallBot.Rtc.IceServerConfig(server.AllUrls(), server.Username, server.Credential));
        }

        return servers;
    }
}

public sealed class IceServerOptions
{
    /// <summary><c>stun:host:port</c>, <c>turn:host:port?transport=udp|tcp</c>, <c>turns:host:port</c>.</summary>
    public List<string> Urls { get; set; } = [];

    /// <summary>
    /// One URL (the SDK's <c>urls: "stun:…"</c> string form). Configuration cannot bind a plain string to the
    /// <see cref="Urls"/> list, so <c>IceServers:N:Url</c> takes it; it is used before the <see cref="Urls"/> entries.
    /// </summary>
    public string? Url { get; set; }

    /// <summary><see cref="Url"/> (when set) followed by <see cref="Urls"/>.</summary>
    public List<string> AllUrls()
    {
        var all = new List<string>(Urls.Count + 1);
        if (!string.IsNullOrEmpty(Url))
        {
            all.Add(Url);
        }

        all.AddRange(Urls);
        return all;
    }

    public string? Username { get; set; }

    public string? Credential { get; set; }
}
