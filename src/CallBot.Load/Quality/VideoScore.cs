namespace CallBot.Load.Quality;

/// <summary>
/// CallBot's video score, 1 (unwatchable) .. 5 (what the sender offered), documented in docs/load/README.md:
/// <c>1 + 4 × resolution × smoothness × continuity</c>, where resolution = received pixels / sent pixels (≤ 1, square-root
/// scaled since perceived sharpness follows the linear size), smoothness = min(1, received fps / sent fps), and
/// continuity = 1 − share of the time spent frozen or paused. Not a perceptual model (no VMAF): it moves with the three
/// things a viewer notices, and it is reproducible from the report's own figures.
/// </summary>
public static class VideoScore
{
    public static double Compute(int receivedPixels, int sentPixels, double receivedFps, double sentFps, TimeSpan frozen, TimeSpan watched)
    {
        if (sentPixels <= 0 || sentFps <= 0 || watched <= TimeSpan.Zero)
        {
            return 1;
        }

        var resolution = Math.Sqrt(Math.Clamp((double)receivedPixels / sentPixels, 0, 1));
        var smoothness = Math.Clamp(receivedFps / sentFps, 0, 1);
        var continuity = 1 - Math.Clamp(frozen / watched, 0, 1);
        return 1 + (4 * resolution * smoothness * continuity);
    }
}
