using Microsoft.Extensions.Logging;

namespace CallBot.Signaling.Xmpp;

/// <summary>
/// Whitespace-quiet connections are probed: after <see cref="XmppClientOptions.KeepAliveInterval"/> without input, a
/// ping (XEP-0199) that must be answered within <see cref="XmppClientOptions.KeepAliveTimeout"/>, or the stream counts
/// as stalled and ends (the client reconnects).
/// </summary>
internal static class XmppKeepAlive
{
    /// <summary>Runs until cancelled or until the stream stalls (then throws <see cref="XmppStreamException"/>).</summary>
    public static async Task RunAsync(XmppSession session, XmppClientOptions options, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        if (options.KeepAliveInterval <= TimeSpan.Zero)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, ct).ConfigureAwait(false);
            return;
        }
        while (true)
        {
            await Task.Delay(options.KeepAliveInterval, time, ct).ConfigureAwait(false);
            if (session.SinceLastReceive < options.KeepAliveInterval)
            {
                continue;
            }
            try
            {
                await session.PingAsync(options.KeepAliveTimeout, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                XmppLog.Stalled(logger, options.KeepAliveTimeout, session.ReadState, session.SinceLastReceive);
                throw new XmppStreamException($"connection stalled: no answer to a ping within {options.KeepAliveTimeout} (reader: {session.ReadState})");
            }
        }
    }
}
