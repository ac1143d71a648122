using CallBot.Signaling;

namespace CallBot.Worker.Resilience;

/// <summary>How the chat step of an attempt went.</summary>
public enum ChatCheckResult
{
    /// <summary>Online and the ping was answered.</summary>
    Pinged,
    /// <summary>The ping failed (or chat was down): chat was reconnected, or came back by itself.</summary>
    Reconnected,
}

/// <summary>
/// The guide's first step: <c>await chat.pingWithTimeout()</c>; when that fails, <c>chat.disconnect(); chat.connect()</c>.
/// Signals of the restart go through chat, so an attempt only proceeds once chat is online.
/// </summary>
public static class ChatCheck
{
    public static async Task<ChatCheckResult> EnsureOnlineAsync(IChatTransport chat, TimeSpan pingTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chat);
        if (chat.State == ChatConnectionState.Online)
        {
            try
            {
                await chat.PingAsync(pingTimeout, cancellationToken).ConfigureAwait(false);
                return ChatCheckResult.Pinged;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Timed out, or the connection went away under the ping: reconnect below.
            }

            if (chat is IChatReconnect reconnect)
            {
                await reconnect.ReconnectAsync(cancellationToken).ConfigureAwait(false);
                return ChatCheckResult.Reconnected;
            }
        }

        await WaitOnlineAsync(chat, cancellationToken).ConfigureAwait(false);
        return ChatCheckResult.Reconnected;
    }

    /// <summary>Completes when the transport is online (at once if it is); the transport reconnects by itself.</summary>
    public static async Task WaitOnlineAsync(IChatTransport chat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chat);
        var online = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnState(object? sender, ChatConnectionStateChangedEventArgs e)
        {
            if (e.Current == ChatConnectionState.Online)
            {
                online.TrySetResult();
            }
        }

        chat.StateChanged += OnState;
        try
        {
            if (chat.State == ChatConnectionState.Online)
            {
                return;
            }

            await online.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            chat.StateChanged -= OnState;
        }
    }
}
