namespace CallBot.Rtc.Srtp;

/// <summary>Why a packet was not protected or not accepted. Each is counted by <see cref="SrtpDropCounters"/>.</summary>
public enum SrtpDropReason
{
    None = 0,

    /// <summary>Shorter than a header plus tag (or, for RTCP, header plus tag plus index).</summary>
    TooShort,

    /// <summary>Not RTP/RTCP version 2, or the CSRC list or header extension runs past the end.</summary>
    MalformedHeader,

    /// <summary>The caller's buffer has no room for the tag/trailer.</summary>
    BufferTooSmall,

    /// <summary>The authentication tag (HMAC or GCM) did not verify.</summary>
    AuthFailed,

    /// <summary>The packet index was already accepted.</summary>
    Replayed,

    /// <summary>The packet index is older than the replay window.</summary>
    TooOld,

    /// <summary>A new SSRC arrived after the context's stream cap was reached.</summary>
    TooManyStreams,
}
