namespace CallBot.TestSupport.ConnectyCube;

/// <summary>How the harness initialises the SDK in each page (<c>ConnectyCube.init(creds, config)</c>).</summary>
public sealed record ConnectyCubeSdkOptions
{
    /// <summary>The application id; chat users are <c>&lt;userId&gt;-&lt;appId&gt;</c>.</summary>
    public int AppId { get; init; } = 1;

    /// <summary>Any value: chat login needs no REST session.</summary>
    public string AuthKey { get; init; } = "callbot-test-auth-key";

    /// <summary>Password used for users the harness registers and logs in.</summary>
    public string DefaultPassword { get; init; } = "callbot-test-password";

    /// <summary>Use <c>wss://</c> (default, realistic; Chromium runs with --ignore-certificate-errors) rather than <c>ws://</c>.</summary>
    public bool SecureWebSocket { get; init; } = true;

    /// <summary><c>videochat.answerTimeInterval</c> in seconds (SDK default 60).</summary>
    public double AnswerTimeInterval { get; init; } = 60;

    /// <summary><c>videochat.dialingTimeInterval</c> in seconds (SDK default 5).</summary>
    public double DialingTimeInterval { get; init; } = 5;

    /// <summary><c>videochat.disconnectTimeInterval</c> in seconds (SDK default 30).</summary>
    public double DisconnectTimeInterval { get; init; } = 30;

    /// <summary><c>videochat.alwaysRelayCalls</c>.</summary>
    public bool AlwaysRelayCalls { get; init; }

    /// <summary><c>videochat.iceServers</c> as <c>{urls, username, credential}</c> objects; empty by default (nothing is reachable).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> IceServers { get; init; } = [];

    /// <summary>getUserMedia video constraints for video calls (the fake camera); small by default to spare the CPU.</summary>
    public IReadOnlyDictionary<string, int> VideoConstraints { get; init; } = new Dictionary<string, int>
    {
        ["width"] = 320,
        ["height"] = 240,
        ["frameRate"] = 15,
    };

    /// <summary>SDK <c>debug.mode</c> 1: its trace (every stanza sent/received) goes to the page console, shown on failure.</summary>
    public bool SdkDebugLog { get; init; } = true;

    /// <summary>Default timeout of waits (events, media).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);
}
