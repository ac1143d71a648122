using CallBot.Abstractions;

namespace CallBot.Worker.Calls;

/// <summary>An RTCP sender report of the stream we receive: NTP (64-bit) ↔ RTP timestamp.</summary>
public readonly record struct SenderReportSample(ulong NtpTime, uint RtpTimestamp);

/// <summary>
/// The worker's view of one negotiated m-line (one RtpTransceiver): where our frames go, where the peer's frames come
/// out, and the keyframe / sender-report / loss signals. Lets call media wiring be tested without sockets.
/// </summary>
public interface IMediaTrackPort
{
    MediaKind Kind { get; }

    /// <summary>The codec we send with; null before negotiation or when the m-line was rejected.</summary>
    CodecId? NegotiatedCodec { get; }

    /// <summary>Frames handed here are sent to the peer (one producer thread).</summary>
    IEncodedFrameSink Sender { get; }

    /// <summary>Set to receive the peer's complete frames on the receive loop.</summary>
    IEncodedFrameSink? RemoteFrameSink { get; set; }

    /// <summary>The send bitrate to aim for in kbit/s; 0 = no limit known.</summary>
    int TargetBitrateKbps { get; }

    /// <summary>The peer asked us for a keyframe (PLI/FIR).</summary>
    event EventHandler? KeyFrameRequested;

    event EventHandler<SenderReportSample>? SenderReportReceived;

    /// <summary>Frames of the stream we receive were lost for good.</summary>
    event EventHandler? RemoteGap;

    /// <summary>Asks the peer's sender for a keyframe.</summary>
    void RequestKeyFrame();
}
