namespace CallBot.Signaling;

/// <summary>
/// A chat transport that can be told its connection is dead (a ping went unanswered) before its own keepalive notices:
/// the guide's <c>chat.disconnect(); chat.connect()</c> step of an ICE restart.
/// </summary>
public interface IChatReconnect
{
    /// <summary>Drops the current connection (if any) and completes when the transport is online again.</summary>
    Task ReconnectAsync(CancellationToken cancellationToken = default);
}
