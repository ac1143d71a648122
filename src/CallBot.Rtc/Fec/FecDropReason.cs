namespace CallBot.Rtc.Fec;

/// <summary>Why a RED or ULPFEC packet was rejected. Counted by the decoder that saw it; never thrown.</summary>
public enum FecDropReason
{
    None = 0,

    /// <summary>Shorter than the headers it claims (RED block headers, the 10-byte FEC header, the level-0 header).</summary>
    TooShort,

    /// <summary>A RED packet with more blocks than <see cref="RedPayload.MaxBlocks"/>.</summary>
    TooManyBlocks,

    /// <summary>A RED block length runs past the end of the payload.</summary>
    BlockOverrun,

    /// <summary>The FEC packet's E bit is set (reserved for extensions RFC 5109 does not define), or its mask is empty.</summary>
    BadHeader,

    /// <summary>The level-0 protection length is larger than the payload that follows it, or than <see cref="UlpfecPacket.MaxProtectionLength"/>.</summary>
    BadProtectionLength,

    /// <summary>The protected sequence numbers are too far from what was received to be recovered (outside the decoder's window).</summary>
    OutOfWindow,
}
