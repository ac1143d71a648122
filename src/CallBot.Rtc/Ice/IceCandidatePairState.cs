namespace CallBot.Rtc.Ice;

/// <summary>RFC 8445 §6.1.2.6 pair states.</summary>
public enum IceCandidatePairState
{
    Frozen,
    Waiting,
    InProgress,
    Succeeded,
    Failed,
}
