using CallBot.Signaling;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;

namespace CallBot.Worker.Load;

/// <summary>
/// One logged-in user of a load run: its <see cref="BotAgent"/>, the answer policy the driver sets before each call it
/// is a callee of (the planner never books a user into two calls at once), its chat reconnects, and the timing probe of
/// the call it is placing.
/// </summary>
internal sealed class LoadBot : IAsyncDisposable
{
    private readonly IChatTransport _transport;
    private readonly TimeProvider _time;
    private int _reconnects;
    private volatile OutgoingCallProbe? _outgoing;

    public LoadBot(int userId, IChatTransport transport, AnswerPolicyOptions answer, TimeProvider time)
    {
        UserId = userId;
        _transport = transport;
        Answer = answer;
        _time = time;
        transport.StateChanged += OnChatState;
    }

    public int UserId { get; }

    /// <summary>The user's scenario bot group (null outside groups).</summary>
    public string? Group { get; init; }

    /// <summary>Held by the driver for the whole of each call this bot is in (a real call outlasts its planned occupancy by its setup and hang-up).</summary>
    public SemaphoreSlim Turn { get; } = new(1, 1);

    /// <summary>Mutable on purpose: the agent reads it for each incoming call.</summary>
    public AnswerPolicyOptions Answer { get; }

    public BotAgent Agent { get; private set; } = null!;

    public int ChatReconnects => Volatile.Read(ref _reconnects);

    public void Attach(BotAgent agent)
    {
        Agent = agent;
        agent.Client.Accepted += (_, e) => _outgoing?.OnAccepted(e.Session.Id);
        agent.Client.ConnectionStateChanged += (_, e) =>
        {
            if (e.State == SessionConnectionState.Connected)
            {
                _outgoing?.OnConnected(e.Session.Id, e.UserId);
            }
        };
        agent.MediaFlowing += (_, e) => _outgoing?.OnFirstFrame(e.SessionId);
    }

    /// <summary>
    /// The peer factory asks this for each new connection: while this bot places a call, every connection it creates is
    /// of that call, which is recorded when the plan says so.
    /// </summary>
    public bool OnConnectionCreated(string sessionId)
    {
        var probe = _outgoing;
        if (probe is null)
        {
            return false;
        }

        probe.Bind(sessionId);
        return probe.Record && string.Equals(probe.SessionId, sessionId, StringComparison.Ordinal);
    }

    /// <summary>Starts timing the next outgoing call; the probe binds to the first session it hears about.</summary>
    public OutgoingCallProbe BeginOutgoing(int peers, bool record)
    {
        var probe = new OutgoingCallProbe(_time, peers, record);
        _outgoing = probe;
        return probe;
    }

    public void EndOutgoing() => _outgoing = null;

    private void OnChatState(object? sender, ChatConnectionStateChangedEventArgs e)
    {
        if (e.Current == ChatConnectionState.Online && e.Previous == ChatConnectionState.Reconnecting)
        {
            Interlocked.Increment(ref _reconnects);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _transport.StateChanged -= OnChatState;
        if (Agent is not null)
        {
            await Agent.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }

        Turn.Dispose();
    }
}

/// <summary>The caller's clock for one call: placed → accepted, → every peer ICE-connected, → first remote frame.</summary>
internal sealed class OutgoingCallProbe(TimeProvider time, int peers, bool record)
{
    private readonly long _start = time.GetTimestamp();
    private readonly HashSet<int> _connected = [];
    private readonly Lock _gate = new();
    private string? _sessionId;

    public bool Record => record;

    public TimeSpan? Accepted { get; private set; }

    public TimeSpan? IceConnected { get; private set; }

    public TimeSpan? FirstFrame { get; private set; }

    public string? SessionId => _sessionId;

    public TimeSpan Elapsed => time.GetElapsedTime(_start);

    /// <summary>Called by the peer factory when the session's first connection is created (before any media).</summary>
    public void Bind(string sessionId) => Interlocked.CompareExchange(ref _sessionId, sessionId, null);

    public void OnAccepted(string sessionId)
    {
        lock (_gate)
        {
            if (Is(sessionId) && Accepted is null)
            {
                Accepted = Elapsed;
            }
        }
    }

    public void OnConnected(string sessionId, int userId)
    {
        lock (_gate)
        {
            if (Is(sessionId) && _connected.Add(userId) && _connected.Count == peers)
            {
                IceConnected = Elapsed;
            }
        }
    }

    public void OnFirstFrame(string sessionId)
    {
        lock (_gate)
        {
            if (Is(sessionId) && FirstFrame is null)
            {
                FirstFrame = Elapsed;
            }
        }
    }

    private bool Is(string sessionId)
    {
        Bind(sessionId);
        return string.Equals(_sessionId, sessionId, StringComparison.Ordinal);
    }
}
