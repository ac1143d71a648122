namespace CallBot.Rtc.Payloads;

/// <summary>Why a payload was not accepted by a depacketizer, or why a frame was not delivered.</summary>
public enum PayloadDropReason
{
    None = 0,

    /// <summary>Payload shorter than its descriptor claims, or empty after it.</summary>
    TooShort,

    /// <summary>A NAL unit type or descriptor combination we do not support (STAP-B, MTAP, FU-B, ...).</summary>
    Unsupported,

    /// <summary>A length inside the payload (STAP-A NAL size) runs past the payload.</summary>
    BadLength,

    /// <summary>A continuation fragment without its start.</summary>
    MissingStart,

    /// <summary>The assembled frame would exceed the configured maximum.</summary>
    FrameTooLarge,
}
