using CallBot.Signaling.ConnectyCube;

namespace CallBot.Worker.Resilience;

/// <summary>What the ICE-restart pipeline needs from one peer of a call.</summary>
public interface IIceRestartLink
{
    string SessionId { get; }

    int RemoteUserId { get; }

    /// <summary>The SDK's <c>session.canInitiateIceRestart(userID)</c>: this side made the offer.</summary>
    bool CanInitiateIceRestart { get; }

    /// <summary>The SDK's <c>session.iceRestart(userID)</c>: a fresh offer sent as <c>iceRestart</c>.</summary>
    Task RestartIceAsync(CancellationToken cancellationToken);
}

/// <summary>One peer of a <see cref="CallSession"/>.</summary>
public sealed class SessionIceRestartLink(CallSession session, int remoteUserId) : IIceRestartLink
{
    public string SessionId => session.Id;

    public int RemoteUserId => remoteUserId;

    public bool CanInitiateIceRestart => session.CanInitiateIceRestart(remoteUserId);

    public Task RestartIceAsync(CancellationToken cancellationToken) => session.IceRestartAsync(remoteUserId, cancellationToken);
}
