using System.Collections.Concurrent;
using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Loopback;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Signaling.Tests.ConnectyCube.Fakes;

/// <summary>A signal seen on the loopback hub's wire.</summary>
public sealed record WireSignal(int From, int To, CallSignal Signal, DateTimeOffset At)
{
    public CallSignalType Type => Signal.Type;
    public override string ToString() => $"{From}->{To} {Signal.WireSignalType} {Signal.SessionId}";
}

/// <summary>Bots on a loopback hub with fake time and fake peer connections; records the wire and every app event.</summary>
public sealed class CallHarness : IAsyncDisposable
{
    public const string AppId = "7";
    public const string Domain = "chat.test";

    private readonly List<Bot> _bots = [];
    private readonly ConcurrentQueue<WireSignal> _wire = new();
    private readonly Dictionary<int, LoopbackChatEndpoint> _raw = [];
    private readonly ConcurrentQueue<System.Xml.Linq.XElement> _rawWire = new();

    public CallHarness(CallClientOptions? options = null)
    {
        Options = options ?? new CallClientOptions();
        Hub = new LoopbackChatHub(Domain, AppId);
        Hub.MessageRouted += (_, e) =>
        {
            _rawWire.Enqueue(e.Message);
            var result = CallSignalCodec.TryDecode(e.Message);
            if (result.IsSuccess && ChatJid.TryGetUserId((string?)e.Message.Attribute("to"), out var to))
            {
                _wire.Enqueue(new WireSignal(result.Signal!.SenderUserId, to, result.Signal.Signal, Time.GetUtcNow()));
            }
        };
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    public LoopbackChatHub Hub { get; }
    public CallClientOptions Options { get; }
    public IReadOnlyList<WireSignal> Wire => [.. _wire];

    /// <summary>Every stanza the hub routed, as routed (with <c>from</c>).</summary>
    public IReadOnlyList<System.Xml.Linq.XElement> RawWire => [.. _rawWire];

    public Bot AddBot(int userId)
    {
        var bot = new Bot(this, userId);
        _bots.Add(bot);
        return bot;
    }

    /// <summary>Sends a hand-made stanza to a bot as if user <paramref name="fromUserId"/> (another client) sent it.</summary>
    public async Task InjectAsync(int fromUserId, int toUserId, CallSignal signal, Action<System.Xml.Linq.XElement>? mutate = null)
    {
        if (!_raw.TryGetValue(fromUserId, out var endpoint))
        {
            endpoint = Hub.Connect(fromUserId, "raw");
            _raw[fromUserId] = endpoint;
        }
        var stanza = CallSignalCodec.Encode(signal, ChatJid.ForUser(toUserId, AppId, Domain), "0123456789abcdef01234567");
        mutate?.Invoke(stanza);
        await endpoint.SendMessageAsync(stanza);
        await SettleAsync();
    }

    public IReadOnlyList<WireSignal> WireOf(CallSignalType type) => [.. Wire.Where(w => w.Type == type)];

    /// <summary>
    /// Waits until no stanza is in flight and every bot's queues are drained: each pass waits for the hub to hand over
    /// every stanza, then for every bot's queues; quiet when that pass routed nothing new. Event-driven, no polling; the
    /// timeout and the pass limit only turn a stuck or endless exchange into a failure.
    /// </summary>
    public async Task SettleAsync()
    {
        for (var pass = 0; pass < 1000; pass++)
        {
            await Hub.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            var routedBefore = Hub.DeliveredCount + Hub.UndeliveredCount;
            foreach (var bot in _bots)
            {
                await bot.Client.WhenEventsRaisedAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            }
            if (Hub.PendingDeliveries == 0 && Hub.DeliveredCount + Hub.UndeliveredCount == routedBefore)
            {
                return;
            }
        }
        throw new InvalidOperationException("the bots did not settle within 1000 passes (an endless exchange?)");
    }

    /// <summary>Advances fake time in steps (so periodic timers fire once per step), settling after each.</summary>
    public async Task AdvanceAsync(TimeSpan total, TimeSpan? step = null)
    {
        var s = step ?? TimeSpan.FromSeconds(1);
        for (var done = TimeSpan.Zero; done < total; done += s)
        {
            Time.Advance(s <= total - done ? s : total - done);
            await SettleAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var bot in _bots)
        {
            await bot.Client.DisposeAsync();
            await bot.Endpoint.DisposeAsync();
        }
        foreach (var raw in _raw.Values)
        {
            await raw.DisposeAsync();
        }
    }

    public sealed class Bot
    {
        internal Bot(CallHarness harness, int userId)
        {
            UserId = userId;
            Endpoint = harness.Hub.Connect(userId);
            Client = new CallClient(Endpoint, Peers, harness.Options, harness.Time);
            Client.IncomingCall += (_, e) => Events.Enqueue(("call", e.Session.Id, e.CallerUserId, e.UserInfo));
            Client.Accepted += (_, e) => Events.Enqueue(("accept", e.Session.Id, e.UserId, e.UserInfo));
            Client.Rejected += (_, e) => Events.Enqueue(("reject", e.Session.Id, e.UserId, e.UserInfo));
            Client.Stopped += (_, e) => Events.Enqueue(("stop", e.Session.Id, e.UserId, e.UserInfo));
            Client.UserNotAnswered += (_, e) => Events.Enqueue(("not-answered", e.Session.Id, e.UserId, e.UserInfo));
            Client.SessionClosed += (_, e) => Events.Enqueue(("close", e.Session.Id, 0, UserInfo.Empty));
            Client.InvalidEvent += (_, e) => Events.Enqueue(("invalid", e.Session.Id, e.UserId, e.UserInfo));
            Client.Updated += (_, e) => Events.Enqueue(("update", e.Session.Id, e.UserId, UserInfo.Empty));
            Client.ConnectionStateChanged += (_, e) => Events.Enqueue(("state:" + e.State, e.Session.Id, e.UserId, UserInfo.Empty));
            Client.IncomingCall += (_, e) => Incoming.Enqueue(e.Session);
        }

        public int UserId { get; }
        public LoopbackChatEndpoint Endpoint { get; }
        public FakePeerFactory Peers { get; } = new();
        public CallClient Client { get; }
        public ConcurrentQueue<(string Kind, string SessionId, int UserId, UserInfo UserInfo)> Events { get; } = new();
        public ConcurrentQueue<CallSession> Incoming { get; } = new();

        public IReadOnlyList<string> EventKinds => [.. Events.Select(e => e.UserId == 0 ? e.Kind : $"{e.Kind}:{e.UserId}")];

        public CallSession IncomingSession => Assert.Single(Incoming);

        public override string ToString() => UserId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
