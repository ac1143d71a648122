namespace CallBot.Signaling.ConnectyCube;

/// <summary>Why <see cref="CallSignalCodec.TryDecode"/> did not produce a signal.</summary>
public enum CallSignalRejectReason
{
    None = 0,
    /// <summary>Not a <c>&lt;message&gt;</c>, or not <c>type="headline"</c>: not a call signal (the SDK routes only headlines).</summary>
    NotHeadlineMessage,
    /// <summary>No <c>extraParams</c>, or a module other than <c>WebRTCVideoChat</c>: not ours, ignore quietly.</summary>
    NotCallSignal,
    MissingSender,
    MissingSessionId,
    /// <summary>A <c>sessionID</c> outside <see cref="CallSignalCodec.IsValidSessionId"/>: dropped, never stored, logged or echoed.</summary>
    BadSessionId,
    MissingSignalType,
    BadNumber,
    BadIceCandidate,
    TooManyItems,
    TooDeep,
}

/// <summary>The outcome of decoding one stanza: a signal, or a reason. Never an exception.</summary>
public readonly record struct CallSignalDecodeResult(ReceivedCallSignal? Signal, CallSignalRejectReason Reason, string? Detail)
{
    public bool IsSuccess => Signal is not null;

    internal static CallSignalDecodeResult Ok(ReceivedCallSignal signal) => new(signal, CallSignalRejectReason.None, null);

    internal static CallSignalDecodeResult Rejected(CallSignalRejectReason reason, string? detail = null) => new(null, reason, detail);
}
