using CallBot.Worker.Options;

namespace CallBot.Interop.Tests.Bot;

/// <summary>How a test bot behaves: its answer policy, its videochat intervals and the <c>maxBandwidth</c> it announces.</summary>
public sealed record BotSpec
{
    public AnswerPolicy Policy { get; init; } = AnswerPolicy.Accept;

    public TimeSpan AnswerDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Concurrent calls; a further incoming call is rejected as busy.</summary>
    public int CallsPerBot { get; init; } = 1;

    /// <summary><c>userInfo.maxBandwidth</c> (kbit/s) the bot announces on its calls; 0 = none.</summary>
    public int MaxBandwidthKbps { get; init; }

    /// <summary>The SDK's <c>answerTimeInterval</c>, seconds.</summary>
    public double AnswerTimeInterval { get; init; } = 60;

    /// <summary>The SDK's <c>dialingTimeInterval</c>, seconds.</summary>
    public double DialingTimeInterval { get; init; } = 5;

    /// <summary>Log in over <c>wss://</c> (the fixture's certificate trusted) rather than <c>ws://</c>.</summary>
    public bool SecureWebSocket { get; init; } = true;

    /// <summary>
    /// When set, the bot announces this one UDP endpoint (a <c>UdpImpairmentRelay</c> port that forwards to it) as its only
    /// candidate, so its peer's media crosses the relay.
    /// </summary>
    public System.Net.IPEndPoint? AdvertisedEndpoint { get; init; }

    /// <summary>The SDK's <c>iceServers</c> (<c>CallBot:VideoChat:IceServers</c>).</summary>
    public IReadOnlyList<IceServerOptions> IceServers { get; init; } = [];

    /// <summary>The SDK's <c>alwaysRelayCalls</c>: relay-only ICE.</summary>
    public bool AlwaysRelayCalls { get; init; }

    /// <summary>
    /// The host sockets of the bot's peer connections: a <see cref="CallBot.Rtc.Transport.SharedPortSocketFactory"/> for
    /// single-port mode (what <c>CallBot:Rtc:SinglePort</c> gives every bot of a process); null = a socket per connection.
    /// </summary>
    public CallBot.Rtc.Transport.IDatagramSocketFactory? Sockets { get; init; }

    /// <summary>Upload and webhooks of the bot's finalized recordings (null: files stay local).</summary>
    public CallBot.Delivery.RecordingDelivery? Delivery { get; init; }
}
