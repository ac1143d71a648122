using CallBot.Abstractions;
using CallBot.Load.Driver;
using CallBot.Load.Quality;

namespace CallBot.Worker.Load;

/// <summary>
/// A finished call's per-stream results from its connections: the stream "A receives B's video" pairs A's connection to B
/// (frames received, loss, jitter, freezes) with B's connection to A (frames sent).
/// </summary>
/// <summary>Which kinds a scenario's calls carry (<c>media.audio</c>, <c>media.video</c> / <c>audio_only</c>).</summary>
internal readonly record struct StreamKinds(bool Audio, bool Video)
{
    public bool Includes(MediaKind kind) => kind == MediaKind.Video ? Video : Audio;
}

/// <summary>
/// Where a call's streams sit in time and in the scenario: the call's placement and the start of the run's calls (the
/// timeline's zero) as <see cref="TimeProvider"/> timestamps, each user's group name and the impairment windows of its group.
/// </summary>
internal sealed record StreamContext(
    TimeProvider Time,
    long PlacedAt,
    long CallsEpoch,
    Func<int, string> GroupOf,
    Func<int, IReadOnlyList<(TimeSpan Start, TimeSpan End)>> WindowsOf);

internal static class CallStreams
{
    private const double AudioClockRate = 48_000;
    private const double VideoClockRate = 90_000;

    /// <summary>"video" or "audio" when a connection received frames of a kind the profile does not send; else null.</summary>
    public static string? UnexpectedKind(IReadOnlyList<ConnectionProbe> connections, StreamKinds media)
    {
        foreach (var connection in connections)
        {
            var frames = connection.Frames;
            if (!media.Video && frames.VideoFramesReceived > 0)
            {
                return "video";
            }

            if (!media.Audio && frames.AudioFramesReceived > 0)
            {
                return "audio";
            }
        }

        return null;
    }

    /// <summary>One stream per receiving side and kind the profile sends: no video streams at all in an audio call.</summary>
    public static List<StreamResult> Build(IReadOnlyList<ConnectionProbe> connections, StreamKinds media, Func<int, string> participantName, StreamContext context)
    {
        var streams = new List<StreamResult>(connections.Count * 2);
        foreach (var receiver in connections)
        {
            ConnectionProbe? sender = null;
            foreach (var candidate in connections)
            {
                if (candidate.LocalUserId == receiver.RemoteUserId && candidate.RemoteUserId == receiver.LocalUserId)
                {
                    sender = candidate;
                    break;
                }
            }

            var audio = receiver.Quality(MediaKind.Audio);
            var video = receiver.Quality(MediaKind.Video);
            if (media.Audio)
            {
                streams.Add(Stream(receiver, sender, MediaKind.Audio, participantName, audio, context) with { ConcealedShare = audio.ConcealedShare });
            }

            if (media.Video)
            {
                var (recoveries, unrecovered) = Recoveries(video, receiver, context);
                var freezes = receiver.Frames.VideoFreezes;
                double? offset = media.Audio && audio.Delay is { } a && video.Delay is { } v ? Median(a) - Median(v) : null;
                streams.Add(Stream(receiver, sender, MediaKind.Video, participantName, video, context) with
                {
                    AvOffsetMs = offset,
                    VideoFreezes = freezes.Freezes,
                    VideoPlayoutFreezes = receiver.Frames.VideoPlayoutFreezes.Freezes,
                    FreezeDuration = freezes.FreezeDuration,
                    Pauses = freezes.Pauses,
                    PauseDuration = freezes.PauseDuration,
                    Recoveries = recoveries,
                    Unrecovered = unrecovered,
                });
            }
        }

        return streams;
    }

    private static double Median(CallBot.Load.Metrics.HistogramData delay) => CallBot.Load.Metrics.LogHistogram.FromData(delay).Percentile(50);

    /// <summary>Recovery after each ended impairment window of the receiver's or the sender's group that the stream lived through.</summary>
    private static (List<TimeSpan> Recoveries, int Unrecovered) Recoveries(ReceivedStreamReport video, ConnectionProbe receiver, StreamContext context)
    {
        var recoveries = new List<TimeSpan>();
        var unrecovered = 0;
        if (video.Seconds.Count == 0)
        {
            return (recoveries, 0);
        }

        var samples = new List<(TimeSpan At, double Value)>(video.Seconds.Count);
        foreach (var second in video.Seconds)
        {
            samples.Add((context.Time.GetElapsedTime(context.CallsEpoch, second.At), second.Fps));
        }

        foreach (var (start, end) in context.WindowsOf(receiver.LocalUserId).Concat(context.WindowsOf(receiver.RemoteUserId)).Distinct())
        {
            // Only a window the stream saw from before its start to after its end has a baseline and a recovery to measure.
            if (samples[0].At >= start || samples[^1].At < end)
            {
                continue;
            }

            if (RecoveryTime.Measure(samples, start, end) is { } recovery)
            {
                recoveries.Add(recovery);
            }
            else
            {
                unrecovered++;
            }
        }

        return (recoveries, unrecovered);
    }

    private static StreamResult Stream(ConnectionProbe receiver, ConnectionProbe? sender, MediaKind kind, Func<int, string> participantName, ReceivedStreamReport quality, StreamContext context)
    {
        var frames = receiver.Frames;
        var received = kind == MediaKind.Video ? frames.VideoFramesReceived : frames.AudioFramesReceived;
        long sent = 0;
        if (sender is not null)
        {
            var senderFrames = sender.Frames;
            sent = kind == MediaKind.Video ? senderFrames.VideoFramesSent : senderFrames.AudioFramesSent;
        }

        long packets = 0;
        long lost = 0;
        uint jitter = 0;
        foreach (var inbound in receiver.Rtp.Inbound)
        {
            if (inbound.Kind != kind)
            {
                continue;
            }

            packets += inbound.PacketsReceived;
            lost += Math.Max(0, inbound.PacketsLost);
            jitter = Math.Max(jitter, inbound.Jitter);
        }

        // The receiver's RTT, measured on what it sends of the same kind (the peer's report blocks about it).
        double? rttMs = null;
        foreach (var outbound in receiver.Rtp.Outbound)
        {
            if (outbound.Kind == kind && outbound.RoundTripTime is { } rtt)
            {
                rttMs = rtt.TotalMilliseconds;
            }
        }

        var loss = packets + lost > 0 ? (double)lost / (packets + lost) : 0;
        var jitterMs = jitter * 1000.0 / (kind == MediaKind.Audio ? AudioClockRate : VideoClockRate);
        var seconds = new List<StreamSecondSample>(quality.Seconds.Count);
        foreach (var second in quality.Seconds)
        {
            seconds.Add(new StreamSecondSample(context.Time.GetElapsedTime(context.PlacedAt, second.At).TotalSeconds, second.Fps, second.Height));
        }

        return new StreamResult(participantName(receiver.LocalUserId), kind, sent, received, receiver.Freezes(kind), loss, jitterMs, rttMs)
        {
            Group = context.GroupOf(receiver.LocalUserId),
            Codec = quality.Codec,
            Delay = quality.Delay,
            Seconds = seconds,
        };
    }
}
