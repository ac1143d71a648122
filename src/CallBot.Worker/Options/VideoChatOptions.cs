using System.ComponentModel.DataAnnotations;

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

    /// <summary>Gather only loopback host candidates (tests and single-machine labs; not an SDK setting).</summary>
    public bool LoopbackCandidatesOnly { get; set; }

    /// <summary>STUN/TURN servers, exactly as the SDK's <c>iceServers</c>.</summary>
    public List<IceServerOptions> IceServers { get; set; } = [];

    /// <summary><see cref="IceServers"/> in the peer connection's shape.</summary>
    public IReadOnlyList<CallBot.Rtc.IceServerConfig> ToIceServerConfigs()
    {
        var servers = new List<CallBot.Rtc.IceServerConfig>(IceServers.Count);
        foreach (var server in IceServers)
        {
            servers.Add(new CallBot.Rtc.IceServerConfig([.. server.Urls], server.Username, server.Credential));
        }

        return servers;
    }
}

public sealed class IceServerOptions
{
    /// <summary><c>stun:host:port</c>, <c>turn:host:port?transport=udp|tcp</c>, <c>turns:host:port</c>.</summary>
    public List<string> Urls { get; set; } = [];

    public string? Username { get; set; }

    public string? Credential { get; set; }
}
