using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Pacing;
using CallBot.Rtc;

namespace CallBot.Interop.Tests.Recording;

/// <summary>
/// Sends the synthetic card on a CallBot peer's transceivers: one <see cref="MediaClock"/>, a video and an audio
/// <see cref="MediaSender"/> sharing one StartTimestamp (their clips start at the same instant: flash and beep coincide).
/// </summary>
internal sealed class SyntheticSender : IDisposable
{
    private static readonly TimeSpan StartLead = TimeSpan.FromMilliseconds(100);

    private readonly MediaClock _clock = new(TimeProvider.System);
    private readonly RtpTransceiver _videoTransceiver;
    private long _keyFramesOnRequest;

    public SyntheticSender(EncodedTrack video, EncodedTrack audio, RtpTransceiver videoTransceiver, RtpTransceiver audioTransceiver,
        IEncodedFrameSink? videoSink = null)
    {
        _videoTransceiver = videoTransceiver;
        var start = _clock.GetTimestamp() + (long)(StartLead.TotalSeconds * TimeProvider.System.TimestampFrequency);
        StartedAtUtc = DateTimeOffset.UtcNow + StartLead;
        Video = _clock.Register(video, videoSink ?? videoTransceiver.Sender, new MediaSenderOptions { StartTimestamp = start });
        Audio = _clock.Register(audio, audioTransceiver.Sender, new MediaSenderOptions { StartTimestamp = start });
    }

    /// <summary>Wall time of media time 0 of both clips (when the first flash and beep are due), to a millisecond or so.</summary>
    public DateTimeOffset StartedAtUtc { get; }

    public MediaSender Video { get; }

    public MediaSender Audio { get; }

    /// <summary>PLIs/FIRs answered with a keyframe since <see cref="AnswerKeyFrameRequests"/>.</summary>
    public long KeyFramesOnRequest => Interlocked.Read(ref _keyFramesOnRequest);

    /// <summary>
    /// Answers the peer's PLI/FIR with a keyframe: the clips are pre-encoded and MediaSender cannot force one, so the
    /// video restarts at the clip's first frame (a keyframe) on the next frame slot — what a browser's encoder does on PLI.
    /// Timestamps keep running in real time; the card's content jumps (sync marks are not measured where this is on).
    /// </summary>
    public void AnswerKeyFrameRequests() => _videoTransceiver.KeyFrameRequested += OnKeyFrameRequested;

    public void Dispose()
    {
        _videoTransceiver.KeyFrameRequested -= OnKeyFrameRequested;
        Video.Dispose();
        Audio.Dispose();
        _clock.Dispose();
    }

    private void OnKeyFrameRequested(object? sender, EventArgs e)
    {
        Video.SwitchSource(Video.Track);
        Interlocked.Increment(ref _keyFramesOnRequest);
    }
}
