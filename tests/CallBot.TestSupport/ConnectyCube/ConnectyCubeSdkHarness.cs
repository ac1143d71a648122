using System.Collections.Concurrent;
using System.Globalization;
using CallBot.TestSupport.Chromium;
using CallBot.TestSupport.Prosody;

namespace CallBot.TestSupport.ConnectyCube;

/// <summary>
/// The REAL ConnectyCube JS SDK (npm <c>connectycube</c>, browser bundle) as test peers: each
/// <see cref="LoginAsync"/> opens a Chromium tab on the harness page, runs <c>ConnectyCube.init</c> against the chat
/// server and <c>chat.connect({userId, password})</c>, and returns a <see cref="ConnectyCubeBrowserClient"/>.
/// Run tests that use it inside a network namespace that has only <c>lo</c>.
/// </summary>
/// <example><code>
/// await using var sdk = new ConnectyCubeSdkHarness(chromium, prosody);
/// var browser = await sdk.LoginAsync(2001);
/// var sessionId = await browser.CallAsync([1001], SdkCallType.Video);
/// await browser.WaitForEventAsync(SdkEventNames.Accept, e => e.SessionId == sessionId);
/// </code></example>
public sealed class ConnectyCubeSdkHarness : IAsyncDisposable
{
    /// <summary>Where the page is served on the Chromium fixture's static server.</summary>
    public const string PagePath = "/connectycube/callbot-sdk-harness.html";

    private readonly ChromiumFixture _chromium;
    private readonly Func<int, string, Task>? _registerUser;
    private readonly ConcurrentDictionary<int, bool> _registered = new();
    private readonly ConcurrentBag<ConnectyCubeBrowserClient> _clients = [];

    /// <summary>Against any chat WebSocket endpoint; <paramref name="registerUser"/> (userId, password) creates users, or null.</summary>
    public ConnectyCubeSdkHarness(ChromiumFixture chromium, Uri chatUrl, Func<int, string, Task>? registerUser, ConnectyCubeSdkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(chromium);
        ArgumentNullException.ThrowIfNull(chatUrl);
        _chromium = chromium;
        ChatUrl = chatUrl;
        _registerUser = registerUser;
        Options = options ?? new ConnectyCubeSdkOptions();
        Serve(chromium.Server);
    }

    /// <summary>Against the Prosody fixture: users are registered there as <c>userId-appId</c> on first login.</summary>
    public ConnectyCubeSdkHarness(ChromiumFixture chromium, ProsodyFixture prosody, ConnectyCubeSdkOptions? options = null)
        : this(
            chromium,
            (options ?? new ConnectyCubeSdkOptions()).SecureWebSocket ? prosody.SecureWebSocketEndpoint : prosody.WebSocketEndpoint,
            (userId, password) => prosody.RegisterUserAsync(userId, (options ?? new ConnectyCubeSdkOptions()).AppId, password),
            options)
    {
    }

    public Uri ChatUrl { get; }

    public ConnectyCubeSdkOptions Options { get; }

    /// <summary>Every client this harness logged in (disposed with it).</summary>
    public IReadOnlyCollection<ConnectyCubeBrowserClient> Clients => _clients;

    /// <summary>Registers <paramref name="userId"/> (once per harness) when the harness can, without logging in.</summary>
    public async Task RegisterAsync(int userId, string? password = null)
    {
        if (_registerUser is not null && _registered.TryAdd(userId, true))
        {
            await _registerUser(userId, password ?? Options.DefaultPassword);
        }
    }

    /// <summary>Opens a tab for <paramref name="userId"/>, initialises the SDK and connects it to chat.</summary>
    public async Task<ConnectyCubeBrowserClient> LoginAsync(int userId, string? password = null, ConnectyCubeSdkOptions? options = null)
    {
        var effective = options ?? Options;
        var secret = password ?? effective.DefaultPassword;
        await RegisterAsync(userId, secret);
        var page = await _chromium.NewPageAsync();
        var client = new ConnectyCubeBrowserClient(page, userId, effective);
        _clients.Add(client);
        await client.StartAsync(_chromium.Server.UriOf(PagePath), InitOptions(effective), secret);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }
    }

    private Dictionary<string, object?> InitOptions(ConnectyCubeSdkOptions o) => new()
    {
        ["appId"] = o.AppId,
        ["authKey"] = o.AuthKey,
        // The XMPP domain the SDK opens its stream to is the host of chat_url; keep endpoints.chat equal to it.
        ["chatHost"] = ChatUrl.Host,
        ["chatUrl"] = ChatUrl.ToString(),
        ["debug"] = o.SdkDebugLog,
        ["videoConstraints"] = o.VideoConstraints,
        ["videochat"] = new Dictionary<string, object?>
        {
            ["answerTimeInterval"] = o.AnswerTimeInterval,
            ["dialingTimeInterval"] = o.DialingTimeInterval,
            ["disconnectTimeInterval"] = o.DisconnectTimeInterval,
            ["alwaysRelayCalls"] = o.AlwaysRelayCalls,
            ["iceServers"] = o.IceServers,
        },
    };

    private static void Serve(StaticHttpServer server)
    {
        server.Add("/connectycube/connectycube.min.js", Bundle.Value);
        server.Add("/connectycube/callbot-sdk-harness.js", File.ReadAllText(SdkAssets.HarnessScriptPath));
        server.Add(PagePath, File.ReadAllText(SdkAssets.HarnessPagePath));
    }

    // ~800 KB, read once per test run.
    private static readonly Lazy<string> Bundle = new(() => File.ReadAllText(SdkAssets.BundlePath));

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
