namespace CallBot.Worker.Cloud;

/// <summary>A REST session: its token (sent as <c>CB-Token</c>, usable as the chat password) and its user (0 = application session).</summary>
public sealed record ApiSession(string Token, long UserId)
{
    public override string ToString() => $"session of user {UserId}"; // never the token
}

/// <summary>A ConnectyCube user as the API returns it (only the fields CallBot reads).</summary>
public sealed record ApiUser(long Id, string Login);

/// <summary>Login and password of one user. Never logged.</summary>
public sealed record ApiCredentials(string Login, string Password)
{
    public override string ToString() => $"login {Login}";
}

/// <summary>
/// The push event of an outgoing call: the SDK's <c>pushnotifications.events.create</c> parameters. The payload follows the
/// ConnectyCube call-push recipe (message, <c>ios_voip</c>, caller, opponents, session id as <c>uuid</c>, call type).
/// </summary>
public sealed record CallPushEvent(
    IReadOnlyList<int> Recipients,
    string Environment,
    string Message,
    bool VoIP,
    int InitiatorId,
    IReadOnlyList<int> Opponents,
    string SessionId,
    string CallType);

/// <summary>A REST request the server refused or that could not be made; the text never carries a secret.</summary>
public sealed class ConnectyCubeApiException : Exception
{
    public ConnectyCubeApiException()
    {
    }

    public ConnectyCubeApiException(string message)
        : base(message)
    {
    }

    public ConnectyCubeApiException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ConnectyCubeApiException(int status, string message, bool sessionExpired)
        : base(message)
    {
        Status = status;
        SessionExpired = sessionExpired;
    }

    /// <summary>HTTP status; 0 when no answer came.</summary>
    public int Status { get; }

    /// <summary>401 "Required session does not exist": the token expired; a new session fixes it.</summary>
    public bool SessionExpired { get; }
}
