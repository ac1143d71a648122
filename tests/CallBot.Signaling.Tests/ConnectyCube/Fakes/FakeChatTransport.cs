using System.Collections.Concurrent;
using System.Xml.Linq;

namespace CallBot.Signaling.Tests.ConnectyCube.Fakes;

/// <summary>A chat transport that records sent stanzas and lets the test push received ones synchronously.</summary>
public sealed class FakeChatTransport(string localJid) : IChatTransport
{
    public ConcurrentQueue<XElement> Sent { get; } = new();
    public string LocalJid { get; } = localJid;
    public ChatConnectionState State => ChatConnectionState.Online;

    public event EventHandler<ChatConnectionStateChangedEventArgs>? StateChanged;
    public event EventHandler<ChatMessageReceivedEventArgs>? MessageReceived;

    public void Receive(XElement message) => MessageReceived?.Invoke(this, new ChatMessageReceivedEventArgs(message));

    public Task SendMessageAsync(XElement message, CancellationToken cancellationToken = default)
    {
        Sent.Enqueue(message);
        return Task.CompletedTask;
    }

    public Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        StateChanged?.Invoke(this, new ChatConnectionStateChangedEventArgs(ChatConnectionState.Online, ChatConnectionState.Closed, null));
        return ValueTask.CompletedTask;
    }
}
