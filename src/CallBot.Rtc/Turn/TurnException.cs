namespace CallBot.Rtc.Turn;

/// <summary>Base of every failure a TURN operation surfaces.</summary>
public class TurnException : Exception
{
    public TurnException()
    {
    }

    public TurnException(string message)
        : base(message)
    {
    }

    public TurnException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The server answered with an error response; <see cref="Code"/> is its ERROR-CODE (see <see cref="TurnErrorCode"/>).</summary>
public sealed class TurnErrorResponseException : TurnException
{
    public TurnErrorResponseException()
    {
    }

    public TurnErrorResponseException(string message)
        : base(message)
    {
    }

    public TurnErrorResponseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TurnErrorResponseException(string method, int code, string reason)
        : base($"TURN {method} failed: {code} {reason}")
    {
        Method = method;
        Code = code;
        Reason = reason;
    }

    public string Method { get; } = string.Empty;

    public int Code { get; }

    public string Reason { get; } = string.Empty;

    /// <summary>Worth another allocation attempt (a server-side condition that may clear), not a configuration error.</summary>
    public bool IsTransient => Code is TurnErrorCode.AllocationMismatch or TurnErrorCode.InsufficientCapacity
        or TurnErrorCode.AllocationQuotaReached or TurnErrorCode.ServerError;
}

/// <summary>No response after every retransmission (UDP) or within the transaction timeout (TCP/TLS).</summary>
public sealed class TurnTimeoutException : TurnException
{
    public TurnTimeoutException()
    {
    }

    public TurnTimeoutException(string message)
        : base(message)
    {
    }

    public TurnTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
