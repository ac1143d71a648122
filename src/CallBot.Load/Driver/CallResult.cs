using CallBot.Abstractions;

namespace CallBot.Load.Driver;

public enum CallOutcome
{
    /// <summary>Answered, media flowed, hung up normally.</summary>
    Completed,
    Rejected,
    NoAnswer,
    Failed,
}

/// <summary>What happened to one planned call, as the driver measured it. Times are from the moment the call was placed.</summary>
public sealed class CallResult
{
    public required CallIntent Intent { get; init; }

    public required CallOutcome Outcome { get; init; }

    /// <summary>Short, stable reason for a failure (e.g. "ice-timeout", "chat-disconnected"): the errors table groups by it.</summary>
    public string? ErrorReason { get; init; }

    /// <summary>Total time from placing the call to hang-up.</summary>
    public TimeSpan Elapsed { get; init; }

    public TimeSpan? AcceptedAfter { get; init; }

    public TimeSpan? IceConnectedAfter { get; init; }

    public TimeSpan? FirstRemoteFrameAfter { get; init; }

    public int IceRestarts { get; init; }

    public int ChatReconnects { get; init; }

    public IReadOnlyList<StreamResult> Streams { get; init; } = [];

    /// <summary>Each connection's DTLS handshake (ICE connected → keys), on every side where it completed.</summary>
    public IReadOnlyList<TimeSpan> DtlsHandshakes { get; init; } = [];

    /// <summary>The outcome the plan asked for: an expected reject is a success.</summary>
    public bool Succeeded => Outcome == Intent.Expect switch
    {
        CallExpectation.Answer => CallOutcome.Completed,
        CallExpectation.Reject => CallOutcome.Rejected,
        _ => CallOutcome.NoAnswer,
    };

    /// <summary>The error-table key for an unsuccessful call.</summary>
    public string FailureReason => Outcome == CallOutcome.Failed ? ErrorReason ?? "unknown" : $"expected-{Intent.Expect.ToString().ToLowerInvariant()}-got-{Outcome.ToString().ToLowerInvariant()}";
}

/// <summary>
/// One received stream of one participant. Freezes count inter-frame gaps longer than <see cref="FreezeGap"/> (W3C video
/// freezes: <see cref="VideoFreezes"/>); <see cref="LossFraction"/> is 0..1 of packets lost;
/// jitter and RTT in milliseconds (RTT null when unknown). The init-only members are what the receiver measured on its
/// receive path (null or empty from a driver that cannot, e.g. the dry run).
/// </summary>
public sealed record StreamResult(string Participant, MediaKind Kind, long FramesSent, long FramesReceived, int Freezes, double LossFraction, double JitterMs, double? RttMs)
{
    public static readonly TimeSpan FreezeGap = TimeSpan.FromMilliseconds(500);

    /// <summary>The receiving participant's bot group (<c>none</c> outside groups): the <c>group</c> tag of its series.</summary>
    public string Group { get; init; } = NoGroup;

    public const string NoGroup = "none";

    /// <summary>The negotiated codec, for the E-model (<see cref="Quality.EModelCodec"/>).</summary>
    public CodecId? Codec { get; init; }

    /// <summary>Glass-to-glass delay of each measured frame, ms (sender's capture → receiver's complete frame).</summary>
    public Metrics.HistogramData? Delay { get; init; }

    /// <summary>Video streams: median audio delay minus median video delay of the same sender at this receiver, ms (positive: sound late).</summary>
    public double? AvOffsetMs { get; init; }

    /// <summary>Video: freezes by the W3C definition (<see cref="Quality.FrameRenderStats"/>).</summary>
    public int VideoFreezes { get; init; }

    /// <summary>
    /// Video: W3C freezes at the render times of a modelled adaptive playout buffer (<see cref="Quality.PlayoutClock"/>):
    /// the figure to set beside a browser's <c>freezeCount</c>; <see cref="VideoFreezes"/> is on arrival, the strict one.
    /// </summary>
    public int VideoPlayoutFreezes { get; init; }

    /// <summary>Video: total time spent in W3C freezes.</summary>
    public TimeSpan FreezeDuration { get; init; }

    /// <summary>Video: gaps over 5 s (W3C pauses) and their total time.</summary>
    public int Pauses { get; init; }

    public TimeSpan PauseDuration { get; init; }

    /// <summary>Audio: share of the sent frames (by their timestamps) that never arrived, 0..1.</summary>
    public double? ConcealedShare { get; init; }

    /// <summary>Frames per second and received height, once a second; <see cref="StreamSecondSample.AtSeconds"/> counts from the call's placement.</summary>
    public IReadOnlyList<StreamSecondSample> Seconds { get; init; } = [];

    /// <summary>Video: time from each ended impairment window of the sender's or receiver's group until fps was back to 90 % of its baseline.</summary>
    public IReadOnlyList<TimeSpan> Recoveries { get; init; } = [];

    /// <summary>Video: impairment windows after which fps never got back to 90 % of its baseline within the call.</summary>
    public int Unrecovered { get; init; }

    /// <summary>Received fps over the seconds sampled (null with none).</summary>
    public double? MeanFps => Seconds.Count == 0 ? null : Seconds.Average(s => s.Fps);
}

/// <summary>One second of a received stream on the call's clock.</summary>
public readonly record struct StreamSecondSample(double AtSeconds, double Fps, int Height);

public sealed record LoginResult(bool Succeeded, TimeSpan Elapsed, string? ErrorReason);
