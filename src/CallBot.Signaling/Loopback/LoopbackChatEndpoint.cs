using System.Threading.Channels;
using System.Xml.Linq;

namespace CallBot.Signaling.Loopback;

/// <summary>One user's connection to a <see cref="LoopbackChatHub"/>; online from creation until disposed.</summary>
public sealed class LoopbackChatEndpoint : IChatTransport
{
    private readonly LoopbackChatHub _hub;
    private readonly Channel<XElement> _inbox = Channel.CreateUnbounded<XElement>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _pump;
    private volatile ChatConnectionState _state = ChatConnectionState.Online;

    internal LoopbackChatEndpoint(LoopbackChatHub hub, string jid)
    {
        _hub = hub;
        LocalJid = jid;
        BareJid = jid[..jid.IndexOf('/', StringComparison.Ordinal)];
        _pump = Task.Run(PumpAsync);
    }

    public string LocalJid { get; }

    public string BareJid { get; }

    public ChatConnectionState State => _state;

    public event EventHandler<ChatConnectionStateChangedEventArgs>? StateChanged;

    public event EventHandler<ChatMessageReceivedEventArgs>? MessageReceived;

    public Task SendMessageAsync(XElement message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        if (_state != ChatConnectionState.Online)
        {
            throw new InvalidOperationException($"{LocalJid} is not online.");
        }
        if (message.Name.LocalName != "message")
        {
            throw new ArgumentException("Only <message> stanzas are routed.", nameof(message));
        }
        _hub.Route(this, message);
        return Task.CompletedTask;
    }

    public Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _state == ChatConnectionState.Online ? Task.CompletedTask : Task.FromException(new TimeoutException($"{LocalJid} is not online."));

    internal bool Deliver(XElement message) => _state == ChatConnectionState.Online && _inbox.Writer.TryWrite(message);

    private async Task PumpAsync()
    {
        await foreach (var message in _inbox.Reader.ReadAllAsync())
        {
            try
            {
                MessageReceived?.Invoke(this, new ChatMessageReceivedEventArgs(message));
            }
#pragma warning disable CA1031 // a faulty handler must not stop delivery to this endpoint
            catch (Exception)
#pragma warning restore CA1031
            {
            }
            finally
            {
                _hub.Delivered();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_state == ChatConnectionState.Closed)
        {
            return;
        }
        var previous = _state;
        _state = ChatConnectionState.Closed;
        _hub.Remove(this);
        _inbox.Writer.TryComplete();
        await _pump;
        StateChanged?.Invoke(this, new ChatConnectionStateChangedEventArgs(previous, ChatConnectionState.Closed, null));
    }
}
