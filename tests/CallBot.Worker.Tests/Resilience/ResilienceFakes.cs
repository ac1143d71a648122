using System.Xml.Linq;
using CallBot.Signaling;
using CallBot.Worker.Resilience;

namespace CallBot.Worker.Tests.Resilience;

/// <summary>A chat transport whose ping answers, times out or throws as the test says; counts pings and reconnects.</summary>
internal sealed class FakeChat : IChatTransport, IChatReconnect
{
    private ChatConnectionState _state = ChatConnectionState.Online;
    private int _pings;
    private int _reconnects;

    public string LocalJid => "1-1@localhost/fake";

    public ChatConnectionState State => _state;

    /// <summary>What the next pings do: null = answer.</summary>
    public Func<Exception>? PingFailure { get; set; }

    public int Pings => Volatile.Read(ref _pings);

    public int Reconnects => Volatile.Read(ref _reconnects);

    private EventHandler<ChatConnectionStateChangedEventArgs>? _stateChanged;

    /// <summary>Completes when someone starts listening for state changes (an attempt waiting for chat).</summary>
    public TaskCompletionSource Listening { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public event EventHandler<ChatConnectionStateChangedEventArgs>? StateChanged
    {
        add
        {
            _stateChanged += value;
            Listening.TrySetResult();
        }

        remove => _stateChanged -= value;
    }

    public event EventHandler<ChatMessageReceivedEventArgs>? MessageReceived
    {
        add { }
        remove { }
    }

    public void SetState(ChatConnectionState state)
    {
        var previous = _state;
        _state = state;
        _stateChanged?.Invoke(this, new ChatConnectionStateChangedEventArgs(previous, state, null));
    }

    public Task SendMessageAsync(XElement message, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Raised on every ping, before it answers.</summary>
    public event EventHandler? Pinged;

    public Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _pings);
        Pinged?.Invoke(this, EventArgs.Empty);
        return PingFailure is { } failure ? Task.FromException(failure()) : Task.CompletedTask;
    }

    public Task ReconnectAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reconnects);
        PingFailure = null;
        SetState(ChatConnectionState.Reconnecting);
        SetState(ChatConnectionState.Online);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>One peer of a call: records restart requests.</summary>
internal sealed class FakeRestartLink(bool offerer) : IIceRestartLink
{
    private int _restarts;

    public string SessionId => "s1";

    public int RemoteUserId => 2;

    public bool CanInitiateIceRestart => offerer;

    public int Restarts => Volatile.Read(ref _restarts);

    /// <summary>Called with the restart count on every restart (e.g. to answer it with Connected).</summary>
    public Action<int>? OnRestart { get; set; }

    public Task RestartIceAsync(CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _restarts);
        OnRestart?.Invoke(n);
        return Task.CompletedTask;
    }
}
