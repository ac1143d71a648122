namespace CallBot.Rtc.Srtp;

/// <summary>Limits of one <see cref="SrtpContext"/>.</summary>
public sealed class SrtpContextOptions
{
    /// <summary>Replay window in packets, per SSRC, for SRTP and SRTCP (multiple of 64; libsrtp uses 128).</summary>
    public int ReplayWindowSize { get; init; } = ReplayWindow.DefaultSize;

    /// <summary>Most SSRCs one context tracks; a packet from one more is dropped as TooManyStreams.</summary>
    public int MaxStreams { get; init; } = 64;

    public static SrtpContextOptions Default { get; } = new();
}
