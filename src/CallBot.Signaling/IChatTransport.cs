using System.Xml.Linq;

namespace CallBot.Signaling;

/// <summary>State of a chat connection, as seen by the call layer.</summary>
public enum ChatConnectionState
{
    Disconnected,
    Connecting,
    Online,
    Reconnecting,
    Closed,
}

public sealed class ChatConnectionStateChangedEventArgs(ChatConnectionState previous, ChatConnectionState current, Exception? error) : EventArgs
{
    public ChatConnectionState Previous { get; } = previous;
    public ChatConnectionState Current { get; } = current;
    /// <summary>Why the connection left <see cref="ChatConnectionState.Online"/>, when it did so because of a fault.</summary>
    public Exception? Error { get; } = error;
}

public sealed class ChatMessageReceivedEventArgs(XElement message) : EventArgs
{
    /// <summary>The whole <c>&lt;message&gt;</c> stanza in the <c>jabber:client</c> namespace.</summary>
    public XElement Message { get; } = message;
}

/// <summary>
/// What the ConnectyCube call layer needs from chat: send a message stanza, receive message stanzas, ping.
/// Implemented by the XMPP client (WebSocket or TCP) and by the in-process loopback hub.
/// </summary>
public interface IChatTransport : IAsyncDisposable
{
    /// <summary>The full JID bound for this connection (<c>userId-appId@domain/resource</c>); empty before the first login.</summary>
    string LocalJid { get; }

    ChatConnectionState State { get; }

    /// <summary>Raised outside any lock, in order.</summary>
    event EventHandler<ChatConnectionStateChangedEventArgs>? StateChanged;

    /// <summary>Raised for every incoming <c>&lt;message&gt;</c>, outside any lock, in arrival order.</summary>
    event EventHandler<ChatMessageReceivedEventArgs>? MessageReceived;

    /// <summary>
    /// Sends a <c>&lt;message&gt;</c> stanza. While offline the stanza is queued until the connection is back,
    /// or the call fails fast, by option; it is never dropped silently.
    /// </summary>
    Task SendMessageAsync(XElement message, CancellationToken cancellationToken = default);

    /// <summary>XEP-0199 ping to the server; throws <see cref="TimeoutException"/> when no answer comes in time.</summary>
    Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken = default);
}
