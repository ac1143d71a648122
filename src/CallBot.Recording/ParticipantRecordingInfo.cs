namespace CallBot.Recording;

/// <summary>Everything the sidecar says about one participant's recording.</summary>
public sealed class ParticipantRecordingInfo
{
    public string UserId { get; set; } = string.Empty;
    /// <summary>The recording file; null when none was kept (<see cref="RecordingStatus.Empty"/>, a failure before the file
    /// was created, or FFmpeg ended before any media reached it: see <see cref="Error"/>).</summary>
    public string? File { get; set; }
    public string? Mp4File { get; set; }
    public DateTimeOffset StartedAtUtc { get; set; }
    public DateTimeOffset? EndedAtUtc { get; set; }

    /// <summary>Wall-clock time of the file's t=0 (the first written frame, on the sender-report timeline).</summary>
    public DateTimeOffset? TimelineOriginUtc { get; set; }
    public RecordingStatus Status { get; set; }
    public string? Error { get; set; }
    public long KeyFrameRequests { get; set; }

    /// <summary>True when no video keyframe came within <see cref="RecordingOptions.VideoWaitLimit"/>: the file has no video track.</summary>
    public bool AudioOnly { get; set; }
    public long DurationMs { get; set; }
    public StreamStats? Audio { get; set; }
    public StreamStats? Video { get; set; }

    public ParticipantRecordingInfo Clone()
    {
        var copy = (ParticipantRecordingInfo)MemberwiseClone();
        copy.Audio = Audio?.Clone();
        copy.Video = Video?.Clone();
        return copy;
    }
}
