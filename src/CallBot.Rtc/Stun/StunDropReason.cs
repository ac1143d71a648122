namespace CallBot.Rtc.Stun;

/// <summary>Why a datagram was not accepted as a STUN message. Counted, never thrown.</summary>
public enum StunDropReason
{
    None = 0,
    TooShort,
    NotStun,
    BadMagicCookie,
    LengthMismatch,
    UnalignedLength,
    TruncatedAttribute,
    BadFingerprint,
    FingerprintNotLast,
    BadMessageIntegrityLength,
    TooLarge,
}
