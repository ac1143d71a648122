namespace CallBot.Recording;

/// <summary>Counters of one stream (audio or video) of a participant recording; snapshot for the sidecar.</summary>
public sealed class StreamStats
{
    public string Codec { get; set; } = string.Empty;
    public long FramesReceived { get; set; }
    public long BytesReceived { get; set; }
    public long FramesWritten { get; set; }
    public long FramesDroppedBeforeKeyFrame { get; set; }
    public long FramesDroppedLate { get; set; }
    public long FramesDroppedQueueFull { get; set; }
    public long FramesDroppedOther { get; set; }
    public long Gaps { get; set; }
    public long SilenceFramesInserted { get; set; }
    public long SenderReports { get; set; }
    public long TimestampJumps { get; set; }
    public long Restarts { get; set; }

    /// <summary>Where the stream's first written frame sits on the file timeline (ms): the A/V start offset applied.</summary>
    public long? StartOffsetMs { get; set; }

    /// <summary>Last correction (ms) a new sender report made to this stream's mapping (slewed in, never jumped).</summary>
    public double LastSyncCorrectionMs { get; set; }

    /// <summary>True when the timestamps came from RTCP sender reports (false: arrival time).</summary>
    public bool SyncedBySenderReports { get; set; }

    public StreamStats Clone() => (StreamStats)MemberwiseClone();

    /// <summary>A copy with the sync figures of the stream's clock.</summary>
    internal StreamStats Snapshot(Sync.StreamClock clock)
    {
        var copy = Clone();
        copy.LastSyncCorrectionMs = clock.LastCorrectionUs / 1000.0;
        copy.SyncedBySenderReports = clock.Synchronized;
        copy.TimestampJumps = clock.TimestampJumps;
        return copy;
    }
}
