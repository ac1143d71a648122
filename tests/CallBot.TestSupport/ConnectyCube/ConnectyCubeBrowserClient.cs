using System.Text;
using System.Text.Json;
using CallBot.TestSupport.Chromium;
using Microsoft.Playwright;
using Xunit;

namespace CallBot.TestSupport.ConnectyCube;

/// <summary>
/// One ConnectyCube SDK user in one Chromium tab, logged in to chat. Wraps <c>ConnectyCube.videochat</c>: call, accept,
/// reject, hang up, ICE restart, mute, getStats; every SDK listener call is an <see cref="SdkEvent"/> pushed from the
/// page, so <see cref="WaitForEventAsync"/> awaits it without polling. Methods that take a session id default to the
/// session of the last call placed or received (<see cref="CurrentSessionId"/>).
/// On dispose the events and the browser console go to the xunit test output (shown when a test fails).
/// </summary>
public sealed class ConnectyCubeBrowserClient : IAsyncDisposable
{
    private const string BindingName = "__cbHarnessEvent";
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(3);

    private readonly Lock _gate = new();
    private readonly List<SdkEvent> _events = [];
    private readonly List<Waiter> _waiters = [];
    private readonly HashSet<int> _consumedCalls = [];
    private bool _disposed;

    internal ConnectyCubeBrowserClient(ChromiumPage page, int userId, ConnectyCubeSdkOptions options)
    {
        Page = page;
        UserId = userId;
        Options = options;
    }

    public int UserId { get; }

    public ChromiumPage Page { get; }

    public ConnectyCubeSdkOptions Options { get; }

    /// <summary><c>chat.connect()</c> duration measured in the page.</summary>
    public TimeSpan LoginTime { get; private set; }

    /// <summary>The session of the last call placed (<see cref="CallAsync"/>) or received (<see cref="WaitForIncomingCallAsync"/>).</summary>
    public string? CurrentSessionId { get; private set; }

    /// <summary>A snapshot of the events so far, oldest first.</summary>
    public IReadOnlyList<SdkEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    internal async Task StartAsync(Uri pageUri, Dictionary<string, object?> initOptions, string password)
    {
        await Page.Page.ExposeFunctionAsync<string>(BindingName, OnEvent);
        await Page.Page.GotoAsync(pageUri.ToString());
        await Page.WaitForAsync("window.cbHarness !== undefined && window.ConnectyCube !== undefined", Options.Timeout);
        await Page.EvaluateAsync("o => window.cbHarness.init(o)", initOptions);
        try
        {
            var ms = await Page.EvaluateAsync<double>("([id, pw]) => window.cbHarness.login(id, pw)", new object[] { UserId, password });
            LoginTime = TimeSpan.FromMilliseconds(ms);
        }
        catch (PlaywrightException ex)
        {
            throw new InvalidOperationException($"user {UserId} could not log in to chat: {ex.Message}\n{ConsoleTail()}", ex);
        }
    }

    /// <summary>
    /// <c>createNewSession(opponents, callType)</c>, <c>getUserMedia</c> (fake devices), <c>session.call(userInfo)</c>.
    /// <paramref name="userInfo"/> is any JSON-able object (e.g. <c>new { maxBandwidth = 256 }</c>). Returns the session id.
    /// </summary>
    public async Task<string> CallAsync(IReadOnlyList<int> opponents, SdkCallType callType = SdkCallType.Video, object? userInfo = null)
    {
        ArgumentNullException.ThrowIfNull(opponents);
        var id = await InvokeAsync<string>("([o, t, u]) => window.cbHarness.call(o, t, u)", new object?[] { opponents.ToArray(), (int)callType, userInfo });
        CurrentSessionId = id;
        return id;
    }

    /// <summary>Waits for the next <c>onCallListener</c> not returned before; makes its session current.</summary>
    public async Task<SdkEvent> WaitForIncomingCallAsync(TimeSpan? timeout = null)
    {
        var call = await WaitForEventAsync(SdkEventNames.Call, e => !_consumedCalls.Contains(e.Seq), timeout);
        lock (_gate)
        {
            _consumedCalls.Add(call.Seq);
        }

        CurrentSessionId = call.SessionId;
        return call;
    }

    /// <summary><c>getUserMedia</c> then <c>session.accept(userInfo)</c>.</summary>
    public Task AcceptAsync(string? sessionId = null, object? userInfo = null) =>
        InvokeAsync<string>("([s, u]) => window.cbHarness.accept(s, u)", new object?[] { SessionOrCurrent(sessionId), userInfo });

    /// <summary><c>session.reject(userInfo)</c>, e.g. <c>new { busy = true }</c>.</summary>
    public Task RejectAsync(string? sessionId = null, object? userInfo = null) =>
        InvokeAsync<string>("([s, u]) => window.cbHarness.reject(s, u)", new object?[] { SessionOrCurrent(sessionId), userInfo });

    /// <summary><c>session.stop(userInfo)</c>: sends hangUp to every peer and closes the session.</summary>
    public Task HangUpAsync(string? sessionId = null, object? userInfo = null) =>
        InvokeAsync<string>("([s, u]) => window.cbHarness.stop(s, u)", new object?[] { SessionOrCurrent(sessionId), userInfo });

    /// <summary>
    /// As the seed recommends: <c>chat.pingWithTimeout()</c>, then <c>session.iceRestart(userId)</c> when
    /// <c>canInitiateIceRestart(userId)</c> (this side made the offer). Returns false when it may not initiate.
    /// </summary>
    public Task<bool> IceRestartAsync(int userId, string? sessionId = null) =>
        InvokeAsync<bool>("([s, u]) => window.cbHarness.iceRestart(s, u)", new object?[] { SessionOrCurrent(sessionId), userId });

    /// <summary><c>session.mute(kind)</c>; kind is <see cref="SdkMediaKind.Audio"/> or <see cref="SdkMediaKind.Video"/>.</summary>
    public Task MuteAsync(string kind, string? sessionId = null) =>
        InvokeAsync<bool>("([s, k]) => window.cbHarness.mute(s, k, true)", new object?[] { SessionOrCurrent(sessionId), kind });

    public Task UnmuteAsync(string kind, string? sessionId = null) =>
        InvokeAsync<bool>("([s, k]) => window.cbHarness.mute(s, k, false)", new object?[] { SessionOrCurrent(sessionId), kind });

    /// <summary><c>session.setMaxBandwidth(kbps)</c>: caps only this side's video senders (0 removes the cap).</summary>
    public Task SetMaxBandwidthAsync(int kbps, string? sessionId = null) =>
        InvokeAsync<bool>("([s, k]) => window.cbHarness.setMaxBandwidth(s, k)", new object?[] { SessionOrCurrent(sessionId), kbps });

    /// <summary>
    /// Puts the calls this page sets up from now on behind a <c>UdpImpairmentRelay</c> on loopback: every UDP candidate the
    /// page receives (trickled or in a remote description) names port <paramref name="incomingPort"/> (the relay port that
    /// forwards to the peer), every one it hands the SDK to send names <paramref name="outgoingPort"/> (the port that
    /// forwards to this page); TCP candidates are withheld both ways. (0, 0) routes directly again.
    /// </summary>
    public Task RouteCandidatesAsync(int incomingPort, int outgoingPort) =>
        InvokeAsync<bool>("([i, o]) => window.cbHarness.routeCandidates(i, o)", new object?[] { incomingPort, outgoingPort });

    /// <summary>The session as the SDK sees it: id, initiatorId, opponentsIds, callType, state, maxBandwidth, peers.</summary>
    public async Task<JsonElement> GetSessionStateAsync(string? sessionId = null)
    {
        var json = await InvokeAsync<string>("s => JSON.stringify(window.cbHarness.sessionState(s))", SessionOrCurrent(sessionId));
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    /// <summary><c>session.peerConnections[userId].getStats()</c>, digested.</summary>
    public async Task<SdkPeerStats> GetStatsAsync(int userId, string? sessionId = null) =>
        SdkPeerStats.Parse(await InvokeAsync<string>(
            "async ([s, u]) => JSON.stringify(await window.cbHarness.stats(s, u))", new object?[] { SessionOrCurrent(sessionId), userId }));

    /// <summary>
    /// Waits (in the page, sampling getStats) until, from now on, at least <paramref name="minVideoFrames"/> more video
    /// frames were decoded and <paramref name="minAudioBytes"/> more audio bytes received from <paramref name="userId"/>.
    /// Returns the stats before and after. Throws <see cref="TimeoutException"/> with the last stats otherwise.
    /// </summary>
    public async Task<(SdkPeerStats Before, SdkPeerStats After)> WaitForMediaFlowAsync(
        int userId, int minVideoFrames = 10, long minAudioBytes = 2000, string? sessionId = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Options.Timeout;
        string json;
        try
        {
            json = await Page.EvaluateAsync<string>(
                "async ([s, u, f, b, t]) => JSON.stringify(await window.cbHarness.waitForMediaFlow(s, u, f, b, t))",
                new object?[] { SessionOrCurrent(sessionId), userId, minVideoFrames, minAudioBytes, limit.TotalMilliseconds });
        }
        catch (PlaywrightException ex)
        {
            throw new TimeoutException($"user {UserId}: {ex.Message}\n{Diagnostics()}", ex);
        }

        using var doc = JsonDocument.Parse(json);
        return (SdkPeerStats.Parse(doc.RootElement.GetProperty("before").GetRawText()), SdkPeerStats.Parse(doc.RootElement.GetProperty("after").GetRawText()));
    }

    /// <summary>
    /// Waits for an event named <paramref name="name"/> matching <paramref name="predicate"/>; events that already
    /// happened count. Throws <see cref="TimeoutException"/> listing the events and the console tail.
    /// </summary>
    public async Task<SdkEvent> WaitForEventAsync(string name, Func<SdkEvent, bool>? predicate = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var waiter = new Waiter(name, predicate ?? (_ => true));
        lock (_gate)
        {
            foreach (var e in _events)
            {
                if (waiter.Matches(e))
                {
                    return e;
                }
            }

            _waiters.Add(waiter);
        }

        var limit = timeout ?? Options.Timeout;
        try
        {
            return await waiter.Completion.Task.WaitAsync(limit);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"user {UserId}: no '{name}' event within {limit.TotalSeconds:0.#} s.\n{Diagnostics()}", ex);
        }
        finally
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>Every XMPP frame the SDK wrote or read so far (from its <c>xmppDataWrite/Read</c> hooks).</summary>
    public async Task<IReadOnlyList<SdkStanza>> GetStanzasAsync()
    {
        var json = await Page.EvaluateAsync<string>("() => JSON.stringify(window.cbHarness.stanzas)");
        using var doc = JsonDocument.Parse(json);
        var list = new List<SdkStanza>();
        foreach (var s in doc.RootElement.EnumerateArray())
        {
            list.Add(new SdkStanza(s.GetProperty("dir").GetString() == "out", s.GetProperty("t").GetDouble(), s.GetProperty("xml").GetString() ?? string.Empty));
        }

        return list;
    }

    /// <summary>Events and the last console lines, for failure messages.</summary>
    public string Diagnostics()
    {
        var sb = new StringBuilder();
        sb.AppendLine(ConnectyCubeSdkHarness.Invariant($"Events of user {UserId}:"));
        foreach (var e in Events)
        {
            sb.AppendLine(e.ToString());
        }

        sb.Append(ConsoleTail());
        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await Page.EvaluateAsync<bool>("() => window.cbHarness ? window.cbHarness.disconnect() : true").WaitAsync(DisconnectTimeout);
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            // The page may already be gone; closing it below drops the socket anyway.
        }

        var events = Events;
        TestContext.Current.TestOutputHelper?.WriteLine(ConnectyCubeSdkHarness.Invariant($"SDK user {UserId}: {events.Count} events"));
        foreach (var e in events)
        {
            TestContext.Current.TestOutputHelper?.WriteLine("  " + e);
        }

        await Page.DisposeAsync();
    }

    private string SessionOrCurrent(string? sessionId) =>
        sessionId ?? CurrentSessionId ?? throw new InvalidOperationException($"user {UserId} has no current session: call or wait for a call first.");

    private async Task<T> InvokeAsync<T>(string expression, object? argument)
    {
        try
        {
            return await Page.EvaluateAsync<T>(expression, argument);
        }
        catch (PlaywrightException ex)
        {
            throw new InvalidOperationException($"user {UserId}: {ex.Message}\n{Diagnostics()}", ex);
        }
    }

    private string ConsoleTail()
    {
        const int MaxLines = 80;
        var lines = Page.ConsoleLines;
        var sb = new StringBuilder();
        sb.AppendLine(ConnectyCubeSdkHarness.Invariant($"Console of user {UserId} (last {Math.Min(MaxLines, lines.Count)} of {lines.Count} lines):"));
        for (int i = Math.Max(0, lines.Count - MaxLines); i < lines.Count; i++)
        {
            var line = lines[i];
            sb.AppendLine(line.Length > 600 ? line[..600] + "…" : line);
        }

        return sb.ToString();
    }

    private void OnEvent(string json)
    {
        SdkEvent e;
        using (var doc = JsonDocument.Parse(json))
        {
            var root = doc.RootElement;
            e = new SdkEvent(
                root.GetProperty("seq").GetInt32(),
                root.GetProperty("name").GetString() ?? string.Empty,
                root.GetProperty("t").GetDouble(),
                root.TryGetProperty("sessionId", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null,
                root.TryGetProperty("userId", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetInt32() : null,
                root.GetProperty("data").Clone());
        }

        List<Waiter> done = [];
        lock (_gate)
        {
            _events.Add(e);
            foreach (var w in _waiters)
            {
                if (w.Matches(e))
                {
                    done.Add(w);
                }
            }
        }

        foreach (var w in done)
        {
            w.Completion.TrySetResult(e);
        }
    }

    private sealed class Waiter(string name, Func<SdkEvent, bool> predicate)
    {
        public TaskCompletionSource<SdkEvent> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Matches(SdkEvent e) => e.Name == name && predicate(e);
    }
}
