namespace CallBot.Rtc.Fec;

/// <summary>
/// How many media packets one ULPFEC packet protects, from the loss the peer reports (Chrome's media-optimization idea,
/// simplified to one XOR parity per group): no FEC on a clean link for delta frames, a group shrinking as loss rises so
/// a group of <c>n + 1</c> packets rarely loses two, and key frames (which cost a PLI round trip when lost) with groups
/// half as large.
/// </summary>
public static class FecProtection
{
    /// <summary>Below this loss fraction delta frames are sent without FEC (NACK repairs the rare loss).</summary>
    public const double MinLossForDeltaFrames = 0.01;

    /// <summary>The largest group (least overhead) used: 1 FEC packet per 12 media packets, ~8 %.</summary>
    public const int MaxGroupSize = 12;

    /// <summary>The group size for a key frame while the link is clean.</summary>
    public const int CleanKeyFrameGroupSize = 8;

    /// <summary>
    /// The media packets per FEC packet for a frame at <paramref name="lossFraction"/> (0..1, e.g. the receiver report's
    /// fraction lost); 0 = send no FEC for this frame. The group is ~1 / (2.5 × loss): 8 at 5 %, 4 at 10 %, 2 at 20 %.
    /// </summary>
    public static int GroupSize(double lossFraction, bool keyFrame)
    {
        if (double.IsNaN(lossFraction) || lossFraction < MinLossForDeltaFrames)
        {
            return keyFrame ? CleanKeyFrameGroupSize : 0;
        }

        var size = (int)Math.Round(1 / (2.5 * Math.Min(lossFraction, 1)));
        size = Math.Clamp(size, 1, MaxGroupSize);
        return keyFrame ? Math.Max(1, size / 2) : Math.Max(2, size);
    }

    /// <summary>
    /// The share of the media rate FEC may add: what the target leaves above the media rate, as a fraction of it (the
    /// sender's estimate covers media and FEC together; libwebrtc takes its protection rate out of the encoder's target).
    /// Without this, FEC sized from loss came on top of the media: behind a 500 kbit/s bottleneck whose queue overflowed
    /// (35 % reported loss, groups of 2), a sender on its 500 kbit/s rung sent 750–840 kbit/s, kept the queue full (p95
    /// 1 s) and never got under the cap (docs/performance.md, bandwidth step). Unknown rates (0) leave FEC unlimited
    /// (<see cref="double.PositiveInfinity"/>); a media rate at or over the target leaves none (0).
    /// </summary>
    /// <param name="targetKbps">What the sender may send in all (its congestion controller's target); 0 = unknown.</param>
    /// <param name="mediaKbps">What it sends without FEC (measured); 0 = not measured yet.</param>
    public static double Headroom(int targetKbps, int mediaKbps) =>
        targetKbps <= 0 || mediaKbps <= 0 ? double.PositiveInfinity : Math.Max(0, ((double)targetKbps / mediaKbps) - 1);
}
