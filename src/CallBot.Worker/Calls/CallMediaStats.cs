using CallBot.Load.Quality;

namespace CallBot.Worker.Calls;

/// <summary>Media counters of one peer connection of one call, as seen by the worker.</summary>
public sealed record CallMediaStats(
    long VideoFramesSent,
    long AudioFramesSent,
    long VideoFramesReceived,
    long AudioFramesReceived,
    long BytesReceived,
    long PacketsLost,
    long KeyFramesRequestedByPeer,
    long RemoteGaps,
    TimeSpan? FirstRemoteFrameAfter,
    string? RecordingFile,
    string? RecordingStatus)
{
    public static readonly CallMediaStats Empty = new(0, 0, 0, 0, 0, 0, 0, 0, null, null, null);

    /// <summary>
    /// Freezes (W3C webrtc-stats definition) and pauses (gaps over 5 s) of the received video, timed on each assembled
    /// frame's arrival: the stream as a renderer without a playout buffer shows it.
    /// </summary>
    public FreezeFigures VideoFreezes { get; init; }

    /// <summary>The same rule on the frames' RTP timestamps: the stream as the recording plays it (only missing frames count).</summary>
    public FreezeFigures VideoTimelineFreezes { get; init; }

    /// <summary>
    /// The same rule on the render times of a modelled renderer with an adaptive playout buffer (<see cref="PlayoutClock"/>):
    /// a frame late by less than the delay the lateness before it built up is no freeze. The figure comparable to a
    /// browser's <c>freezeCount</c>.
    /// </summary>
    public FreezeFigures VideoPlayoutFreezes { get; init; }

    /// <summary>Video RTP packets we sent (media, not retransmissions).</summary>
    public long VideoPacketsSent { get; init; }

    /// <summary>Video packets we retransmitted on NACK (RTX): the retransmission overhead is this over <see cref="VideoPacketsSent"/>.</summary>
    public long VideoRetransmittedPackets { get; init; }

    /// <summary>Video ULPFEC packets we sent (inside RED): with <see cref="VideoRetransmittedPackets"/>, the protection overhead.</summary>
    public long VideoFecPacketsSent { get; init; }

    /// <summary>NACKed video packets we did not resend: resent less than a round trip before, or over the retransmission budget.</summary>
    public long VideoNackRefusals { get; init; }

    /// <summary>The video sender's target bitrate when read (kbit/s; 0 when nothing is sent).</summary>
    public int VideoTargetBitrateKbps { get; init; }

    /// <summary>Keyframe requests from the peer answered by restarting our clip.</summary>
    public long KeyFrameRestarts { get; init; }

    /// <summary>Keyframe requests from the peer answered in place by the sender (no restart).</summary>
    public long KeyFramesInPlace { get; init; }

    public long FramesSent => VideoFramesSent + AudioFramesSent;

    public long FramesReceived => VideoFramesReceived + AudioFramesReceived;

    /// <summary>Media flowed both ways: something was sent, and both audio and (for video calls) video were received.</summary>
    public bool FlowedBothWays(bool video) => FramesSent > 0 && AudioFramesReceived > 0 && (!video || VideoFramesReceived > 0);
}

public sealed class FirstRemoteFrameEventArgs(string sessionId, int remoteUserId, TimeSpan after) : EventArgs
{
    public string SessionId { get; } = sessionId;

    public int RemoteUserId { get; } = remoteUserId;

    public TimeSpan After { get; } = after;
}

/// <summary>Gives the worker the media counters of a call's peer connections (implemented by the RTC peer factory).</summary>
public interface ICallMediaStatsSource
{
    /// <summary>Counters of the connection with <paramref name="remoteUserId"/> in that session (live or, once closed, final).</summary>
    CallMediaStats? GetStats(string sessionId, int remoteUserId);

    /// <summary>The first remote frame of a connection arrived (after the given time since the connection was created).</summary>
    event EventHandler<FirstRemoteFrameEventArgs>? FirstRemoteFrame;

    /// <summary>Forgets a session's counters once the worker has read them.</summary>
    void Forget(string sessionId);
}
