using System.Globalization;
using CallBot.Recording.Ffmpeg;

namespace CallBot.Recording;

/// <summary>
/// What a recording ends as, decided at finalize from what FFmpeg did and what the file holds. A file without media is
/// never reported as a recording: FFmpeg opens its output only after our header and first cluster, so one that exited
/// (or was killed) before that leaves an empty file or a bare header no reader accepts. Such a file is not kept, the
/// status is <see cref="RecordingStatus.Failed"/> and the error says that no file was kept and why.
/// </summary>
internal static class RecordingOutcome
{
    /// <param name="Status">The final status.</param>
    /// <param name="Error">The operator message (null when none).</param>
    /// <param name="FailureReason">A failure to count now (null: none, or already counted when it happened).</param>
    /// <param name="FileKept">False: the file is to be deleted (empty recording, or no media in it).</param>
    public readonly record struct Result(RecordingStatus Status, string? Error, string? FailureReason, bool FileKept);

    /// <param name="status"><see cref="RecordingStatus.Finalizing"/> after a normal stop; <see cref="RecordingStatus.Failed"/> after an error during the call.</param>
    /// <param name="exited">FFmpeg exited by itself (false: killed at <paramref name="finalizeTimeout"/>; <paramref name="exitCode"/> then means nothing).</param>
    /// <param name="framesWritten">Frames the timeline handed to the muxer.</param>
    /// <param name="holdsMedia">What <see cref="Mkv.MatroskaFileCheck.HoldsMedia"/> says of the file now that FFmpeg is done.</param>
    public static Result Decide(RecordingStatus status, string? error, bool exited, long framesWritten, int exitCode, string stderrTail, TimeSpan finalizeTimeout, bool holdsMedia)
    {
        string? reason = null;
        if (status == RecordingStatus.Finalizing)
        {
            if (!exited)
            {
                status = RecordingStatus.TimedOut;
                reason = "finalize-timeout";
                error = string.Create(CultureInfo.InvariantCulture, $"FFmpeg did not finish within {finalizeTimeout.TotalSeconds:0.#} s and was killed; the file plays up to its last cluster.");
            }
            else if (framesWritten == 0)
            {
                return new Result(RecordingStatus.Empty, error, null, FileKept: false);
            }
            else if (exitCode != 0)
            {
                status = RecordingStatus.Failed;
                (reason, error) = RecordingMuxer.Classify(stderrTail, string.Create(CultureInfo.InvariantCulture, $"FFmpeg exited with code {exitCode}"));
            }
            else
            {
                status = RecordingStatus.Completed;
            }
        }

        if (holdsMedia)
        {
            return new Result(status, error, reason, FileKept: true);
        }

        error = status switch
        {
            RecordingStatus.TimedOut => string.Create(CultureInfo.InvariantCulture,
                $"FFmpeg did not finish within {finalizeTimeout.TotalSeconds:0.#} s and was killed before it had written any media; no recording file was kept."),
            RecordingStatus.Failed => error + " No recording file was kept: FFmpeg had written no media to it.",
            _ => ("FFmpeg exited without writing any media; no recording file was kept. " + stderrTail).TrimEnd(),
        };
        // A failure during the call was counted when it happened; a normal stop that ends here counts now.
        return new Result(RecordingStatus.Failed, error, reason ?? (status == RecordingStatus.Failed ? null : "ffmpeg-exit"), FileKept: false);
    }
}
