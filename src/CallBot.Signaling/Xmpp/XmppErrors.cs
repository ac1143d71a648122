namespace CallBot.Signaling.Xmpp;

/// <summary>SASL failed (RFC 6120 §6.5): wrong credentials or a refused mechanism. Not retried automatically.</summary>
public sealed class XmppAuthenticationException : Exception
{
    public XmppAuthenticationException() { }
    public XmppAuthenticationException(string message) : base(message) { }
    public XmppAuthenticationException(string message, Exception inner) : base(message, inner) { }

    public XmppAuthenticationException(string condition, string message) : base(message) => Condition = condition;

    /// <summary>The SASL failure condition, e.g. <c>not-authorized</c>.</summary>
    public string? Condition { get; }
}

/// <summary>The stream broke: bad XML, a stanza over the cap, a stream error, a closed socket, a failed negotiation step.</summary>
public sealed class XmppStreamException : Exception
{
    public XmppStreamException() { }
    public XmppStreamException(string message) : base(message) { }
    public XmppStreamException(string message, Exception inner) : base(message, inner) { }

    public XmppStreamException(string message, bool badInput) : base(message) => IsBadInput = badInput;

    /// <summary>The server sent something this client refuses (malformed XML, a stanza over the cap).</summary>
    public bool IsBadInput { get; }
}

/// <summary>A send was refused because the client is offline and the policy is <see cref="OfflineSendPolicy.FailFast"/>.</summary>
public sealed class XmppOfflineException : Exception
{
    public XmppOfflineException() { }
    public XmppOfflineException(string message) : base(message) { }
    public XmppOfflineException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A send was refused because the offline queue is full.</summary>
public sealed class XmppSendQueueFullException : Exception
{
    public XmppSendQueueFullException() { }
    public XmppSendQueueFullException(string message) : base(message) { }
    public XmppSendQueueFullException(string message, Exception inner) : base(message, inner) { }
}

public sealed class XmppConnectAttemptFailedEventArgs(int attempt, TimeSpan retryDelay, Exception? error) : EventArgs
{
    /// <summary>1 for the first attempt of this connect/reconnect cycle.</summary>
    public int Attempt { get; } = attempt;
    public TimeSpan RetryDelay { get; } = retryDelay;
    public Exception? Error { get; } = error;
}

/// <summary>Input from the server refused by this client; <see cref="Reason"/> is a short fixed token, never the input.</summary>
public sealed class XmppInputRefusedEventArgs(string reason) : EventArgs
{
    /// <summary><c>too-deep</c>, <c>iq-result-from-mismatch</c> or <c>bad-input</c> (the connection was dropped).</summary>
    public string Reason { get; } = reason;
}
