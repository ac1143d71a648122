namespace CallBot.Load.Quality;

/// <summary>
/// The W3C freezes of one received video stream on three clocks, from the same frames (complete, decodable frames as the
/// receiver delivers them):
/// <list type="bullet">
/// <item><see cref="Arrival"/>: each frame at the moment it was complete, as a renderer without a playout buffer would
/// show it. A frame late by a retransmission's round trip counts here even though no frame was lost. This is the
/// strict figure; Chromium's <c>freezeCount</c> lies between it and the timeline, as its renderer delays frames by a
/// target delay that absorbs part of that lateness.</item>
/// <item><see cref="Playout"/>: each frame at the render time a renderer with an adaptive playout buffer would give it
/// (<see cref="PlayoutClock"/>: the timeline plus a delay that grows with the lateness seen, as libwebrtc's). The
/// figure to set beside Chromium's <c>freezeCount</c>.</item>
/// <item><see cref="Timeline"/>: each frame at its RTP timestamp, the stream's own clock, as a recording (which places
/// frames by timestamp) plays it. Only frames missing from the stream count: lost, or dropped until the next keyframe.</item>
/// </list>
/// Allocation-free per frame; not thread-safe (the receive loop feeds it; readers take a snapshot of the figures).
/// </summary>
public sealed class ReceivedVideoFreezes(long arrivalFrequency, int clockRate)
{
    private readonly FrameRenderStats _arrival = new(arrivalFrequency);
    private readonly FrameRenderStats _timeline = new(clockRate);
    private readonly PlayoutClock _playoutClock = new(arrivalFrequency, clockRate);
    private readonly FrameRenderStats _playout = new(arrivalFrequency);

    public FreezeFigures Arrival => _arrival.Figures;

    public FreezeFigures Timeline => _timeline.Figures;

    public FreezeFigures Playout => _playout.Figures;

    /// <summary>The playout clock's delay after the last frame.</summary>
    public TimeSpan PlayoutDelay => _playoutClock.Delay;

    /// <summary>A frame completed at <paramref name="arrival"/> (a TimeProvider timestamp) with the unwrapped RTP timestamp <paramref name="rtpTimestamp"/>.</summary>
    public void OnFrame(long arrival, long rtpTimestamp)
    {
        _arrival.OnFrame(arrival);
        _timeline.OnFrame(rtpTimestamp);
        _playout.OnFrame(_playoutClock.OnFrame(arrival, rtpTimestamp));
    }
}
