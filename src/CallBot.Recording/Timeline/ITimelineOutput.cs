using CallBot.Abstractions;

namespace CallBot.Recording.Timeline;

/// <summary>What became of one write the <see cref="RecordingTimeline"/> asked for.</summary>
internal enum TimelineWrite
{
    Written,

    /// <summary>The queue towards the muxer is full (frames or bytes): the frame is lost, the recording goes on.</summary>
    QueueFull,

    /// <summary>The frame cannot be muxed (an H.264 frame without NAL units, a keyframe whose size cannot be read).</summary>
    Invalid,
}

/// <summary>
/// Where the timeline's decisions go: the muxer in production, a list in the timeline's tests. Every time is
/// milliseconds on the file's timeline; each call either takes the frame or says why not.
/// </summary>
internal interface ITimelineOutput
{
    /// <summary>Starts the file with a video track sized from <paramref name="keyFrame"/> when <paramref name="withVideo"/>, and the audio track if any.</summary>
    TimelineWrite WriteHeader(in EncodedFrame keyFrame, bool withVideo);

    TimelineWrite WriteVideo(in EncodedFrame frame, long ms);

    /// <summary>An audio frame in a pooled buffer: ownership passes to the output (which returns it to the pool on failure).</summary>
    TimelineWrite WriteAudio(byte[] buffer, int length, long ms);

    /// <summary>One 20 ms Opus silence frame.</summary>
    TimelineWrite WriteSilence(long ms);
}
