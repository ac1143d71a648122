namespace CallBot.Rtc.Turn;

/// <summary>Why something received from the TURN server was dropped. Counted, never thrown.</summary>
public enum TurnDropReason
{
    None = 0,
    TooShort,
    BadChannelNumber,
    LengthMismatch,
    UnknownChannel,
    NotStunOrChannelData,
    BadStun,
    UnexpectedStun,
    UnknownTransaction,
    BadIntegrity,
    BadDataIndication,
    NoPermission,
    ReceiveQueueFull,
    PayloadTooLarge,
}
