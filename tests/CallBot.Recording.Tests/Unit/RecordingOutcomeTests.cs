namespace CallBot.Recording.Tests.Unit;

/// <summary>The finalize decision on its own: what FFmpeg did and whether the file holds media → status, error, file kept.</summary>
public sealed class RecordingOutcomeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(true, 0, true, RecordingStatus.Completed, null, true)]
    [InlineData(false, 0, true, RecordingStatus.TimedOut, "finalize-timeout", true)]
    [InlineData(false, 0, false, RecordingStatus.Failed, "finalize-timeout", false)]
    [InlineData(true, 1, true, RecordingStatus.Failed, "ffmpeg-exit", true)]
    [InlineData(true, 1, false, RecordingStatus.Failed, "ffmpeg-exit", false)]
    [InlineData(true, 0, false, RecordingStatus.Failed, "ffmpeg-exit", false)]
    public void A_normal_stop_ends_as_what_ffmpeg_did_and_keeps_the_file_only_with_media(bool exited, int exitCode, bool holdsMedia, RecordingStatus status, string? counted, bool kept)
    {
        var outcome = RecordingOutcome.Decide(RecordingStatus.Finalizing, null, exited, framesWritten: 10, exitCode, "", Timeout, holdsMedia);

        Assert.Equal(status, outcome.Status);
        Assert.Equal(counted, outcome.FailureReason);
        Assert.Equal(kept, outcome.FileKept);
        if (!kept)
        {
            Assert.Contains("no recording file was kept", outcome.Error!, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void A_failure_during_the_call_keeps_its_message_and_is_not_counted_twice()
    {
        var kept = RecordingOutcome.Decide(RecordingStatus.Failed, "Recording stopped: disk", exited: true, 10, 0, "", Timeout, holdsMedia: true);
        var lost = RecordingOutcome.Decide(RecordingStatus.Failed, "Recording stopped: disk", exited: true, 10, 1, "pipe:0: End of file", Timeout, holdsMedia: false);

        Assert.Equal((RecordingStatus.Failed, "Recording stopped: disk", null, true), (kept.Status, kept.Error, kept.FailureReason, kept.FileKept));
        Assert.Equal(RecordingStatus.Failed, lost.Status);
        Assert.Null(lost.FailureReason);
        Assert.False(lost.FileKept);
        Assert.StartsWith("Recording stopped: disk No recording file was kept", lost.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_written_is_an_empty_recording_with_no_file()
    {
        var outcome = RecordingOutcome.Decide(RecordingStatus.Finalizing, null, exited: true, framesWritten: 0, 1, "", Timeout, holdsMedia: false);

        Assert.Equal((RecordingStatus.Empty, null, false), (outcome.Status, outcome.FailureReason, outcome.FileKept));
    }
}
