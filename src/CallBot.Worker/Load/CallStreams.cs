using CallBot.Abstractions;
using CallBot.Load.Driver;

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
    public static List<StreamResult> Build(IReadOnlyList<ConnectionProbe> connections, StreamKinds media, Func<int, string> participantName)
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

            if (media.Audio)
            {
                streams.Add(Stream(receiver, sender, MediaKind.Audio, participantName));
            }

            if (media.Video)
            {
                streams.Add(Stream(receiver, sender, MediaKind.Video, participantName));
            }
        }

        return streams;
    }

    private static StreamResult Stream(ConnectionProbe receiver, ConnectionProbe? sender, MediaKind kind, Func<int, string> participantName)
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
        return new StreamResult(participantName(receiver.LocalUserId), kind, sent, received, receiver.Freezes(kind), loss, jitterMs, rttMs);
    }
}
