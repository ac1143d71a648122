namespace CallBot.Rtc.Rtp;

/// <summary>Why an RTP datagram was not accepted. Counted by the receive path; never thrown.</summary>
public enum RtpDropReason
{
    None = 0,

    /// <summary>Fewer than 12 bytes, or fewer than the CSRC list / extension / padding claims.</summary>
    TooShort,

    /// <summary>Version field is not 2.</summary>
    BadVersion,

    /// <summary>The header extension length runs past the end of the packet.</summary>
    ExtensionOverrun,

    /// <summary>The padding count is 0 or larger than the payload.</summary>
    BadPadding,

    /// <summary>A one-byte or two-byte extension element runs past the extension block.</summary>
    MalformedExtension,

    /// <summary>Sequence number already received (or still held) by the receiver.</summary>
    Duplicate,

    /// <summary>Sequence number older than what the jitter buffer already released.</summary>
    TooOld,

    /// <summary>The payload is empty or its payload descriptor is invalid for the codec.</summary>
    BadPayload,
}
