namespace CallBot.Signaling.Xmpp;

/// <summary>
/// Supplies the SASL password at every login instead of the fixed <see cref="XmppClientOptions.Password"/>. For
/// ConnectyCube it is a REST session token used as the chat password: it can expire between two logins, so the client
/// asks again before each connect, and after a refusal gives the source one chance to renew it.
/// </summary>
public interface IXmppPasswordSource
{
    /// <summary>The password for the next login. A failure here is retried like a failed connect (with backoff).</summary>
    ValueTask<string> GetPasswordAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The server refused <paramref name="password"/>. Returns true when a new one is worth one more login at once (a
    /// renewed token); false makes the refusal final, as it is for a fixed password.
    /// </summary>
    ValueTask<bool> RefusedAsync(string password, CancellationToken cancellationToken);
}
