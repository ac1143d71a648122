using System.Xml.Linq;
using CallBot.Signaling;

namespace CallBot.Worker.Tests.Resilience;

/// <summary>
/// A chat transport that can drop offline and come back, with the <see cref="IChatTransport"/> contract of the XMPP
/// client: sends while offline wait in order and go out after the reconnect.
/// </summary>
internal sealed class BlinkingChat(IChatTransport inner) : IChatTransport
{
    private readonly Lock _gate = new();
    private readonly List<(XElement Message, TaskCompletionSource Sent)> _queued = [];
    private bool _offline;

    public string LocalJid => inner.LocalJid;

    public ChatConnectionState State => _offline ? ChatConnectionState.Reconnecting : inner.State;

    public int Queued
    {
        get
        {
            lock (_gate)
            {
                return _queued.Count;
            }
        }
    }

    public event EventHandler<ChatConnectionStateChangedEventArgs>? StateChanged;

    public event EventHandler<ChatMessageReceivedEventArgs>? MessageReceived
    {
        add => inner.MessageReceived += value;
        remove => inner.MessageReceived -= value;
    }

    public void GoOffline()
    {
        lock (_gate)
        {
            _offline = true;
        }

        StateChanged?.Invoke(this, new ChatConnectionStateChangedEventArgs(ChatConnectionState.Online, ChatConnectionState.Reconnecting, new IOException("blink")));
    }

    public async Task GoOnlineAsync()
    {
        List<(XElement Message, TaskCompletionSource Sent)> queued;
        lock (_gate)
        {
            queued = [.. _queued];
            _queued.Clear();
            _offline = false;
        }

        foreach (var (message, sent) in queued)
        {
            await inner.SendMessageAsync(message);
            sent.TrySetResult();
        }

        StateChanged?.Invoke(this, new ChatConnectionStateChangedEventArgs(ChatConnectionState.Reconnecting, ChatConnectionState.Online, null));
    }

    public Task SendMessageAsync(XElement message, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_offline)
            {
                var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _queued.Add((message, sent));
                return sent.Task;
            }
        }

        return inner.SendMessageAsync(message, cancellationToken);
    }

    public Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _offline ? Task.FromException(new TimeoutException("offline")) : inner.PingAsync(timeout, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
