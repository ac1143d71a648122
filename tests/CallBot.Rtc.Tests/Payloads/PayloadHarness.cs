using CallBot.Abstractions;
using CallBot.Rtc.Payloads;

namespace CallBot.Rtc.Tests.Payloads;

/// <summary>One RTP payload as a payloader produced it.</summary>
internal sealed record Packetized(byte[] Payload, bool Marker, uint Timestamp);

/// <summary>Copies every frame it receives (the frame's memory is only valid during the call).</summary>
internal sealed class CollectingSink : IEncodedFrameSink
{
    public List<(byte[] Data, long Timestamp, bool IsKeyFrame)> Frames { get; } = [];

    public void OnFrame(in EncodedFrame frame) => Frames.Add((frame.Data.ToArray(), frame.Timestamp, frame.IsKeyFrame));
}

internal static class PayloadHarness
{
    public static List<Packetized> Packetize(IPayloader payloader, int maxPayloadSize, byte[] frame, uint timestamp)
    {
        var packets = new List<Packetized>();
        payloader.Payload(maxPayloadSize, frame, static (state, prefix, body, last) =>
        {
            Assert.InRange(prefix.Length + body.Length, 1, state.Max);
            state.Packets.Add(new Packetized([.. prefix, .. body], last, state.Timestamp));
        }, (Packets: packets, Max: maxPayloadSize, Timestamp: timestamp));
        return packets;
    }

    public static List<Packetized> PacketizeAll(IPayloader payloader, int maxPayloadSize, IReadOnlyList<byte[]> frames, uint step)
    {
        var all = new List<Packetized>();
        for (var i = 0; i < frames.Count; i++)
        {
            all.AddRange(Packetize(payloader, maxPayloadSize, frames[i], (uint)(i * step)));
        }

        return all;
    }

    /// <summary>Feeds packets with consecutive sequence numbers, skipping the indices in <paramref name="drop"/>.</summary>
    public static void Feed(FrameAssembler assembler, IReadOnlyList<Packetized> packets, ISet<int>? drop = null, long firstSequence = 1000)
    {
        for (var i = 0; i < packets.Count; i++)
        {
            if (drop?.Contains(i) == true)
            {
                continue;
            }

            assembler.Push(firstSequence + i, packets[i].Timestamp, packets[i].Marker, packets[i].Payload);
        }
    }
}
