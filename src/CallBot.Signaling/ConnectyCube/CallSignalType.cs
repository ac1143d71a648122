namespace CallBot.Signaling.ConnectyCube;

/// <summary>The <c>signalType</c> values of the ConnectyCube <c>WebRTCVideoChat</c> module.</summary>
public enum CallSignalType
{
    /// <summary>A signal type this client does not know; parsed and surfaced, never fatal.</summary>
    Unknown = 0,
    Call,
    Accept,
    Reject,
    HangUp,
    IceCandidates,
    IceRestart,
    IceRestartAccept,
    /// <summary>Sent by older and mobile SDKs; carries arbitrary changed parameters.</summary>
    Update,
}

/// <summary>The <c>callType</c> field: 1 video, 2 audio.</summary>
public enum CallType
{
    Video = 1,
    Audio = 2,
}

/// <summary>Wire names of <see cref="CallSignalType"/>, exactly as the SDK spells them.</summary>
public static class CallSignalNames
{
    public const string ModuleIdentifier = "WebRTCVideoChat";

    public const string Call = "call";
    public const string Accept = "accept";
    public const string Reject = "reject";
    public const string HangUp = "hangUp";
    public const string IceCandidates = "iceCandidates";
    public const string IceRestart = "iceRestart";
    public const string IceRestartAccept = "iceRestartAccept";
    public const string Update = "update";

    public static string ToWireName(CallSignalType type) => type switch
    {
        CallSignalType.Call => Call,
        CallSignalType.Accept => Accept,
        CallSignalType.Reject => Reject,
        CallSignalType.HangUp => HangUp,
        CallSignalType.IceCandidates => IceCandidates,
        CallSignalType.IceRestart => IceRestart,
        CallSignalType.IceRestartAccept => IceRestartAccept,
        CallSignalType.Update => Update,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "An unknown signal type has no wire name; set CallSignal.RawSignalType."),
    };

    /// <summary>Case-sensitive, as the SDK's switch is.</summary>
    public static CallSignalType FromWireName(string? name) => name switch
    {
        Call => CallSignalType.Call,
        Accept => CallSignalType.Accept,
        Reject => CallSignalType.Reject,
        HangUp => CallSignalType.HangUp,
        IceCandidates => CallSignalType.IceCandidates,
        IceRestart => CallSignalType.IceRestart,
        IceRestartAccept => CallSignalType.IceRestartAccept,
        Update => CallSignalType.Update,
        _ => CallSignalType.Unknown,
    };
}
