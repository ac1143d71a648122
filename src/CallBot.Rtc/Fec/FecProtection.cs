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
}
