using CallBot.Abstractions;
using CallBot.Rtc.Fec;
using CallBot.Rtc.Payloads;
using CallBot.Rtc.Rtp;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Fec;

/// <summary>
/// Real packetizer → seeded 10 % random loss → ULPFEC decoder → jitter buffer → frame assembler, on fake time, once
/// without and once with FEC over the same media loss pattern (no NACK in either, so FEC alone makes the difference).
/// The FEC stage is not on the wire yet; this is the algorithm end to end through the real receive components.
/// </summary>
public sealed class FecRecoveryPipelineTests
{
    private const int Frames = 600;          // 20 s at 30 fps
    private const int KeyFrameInterval = 60; // 2 s GOP: a lost frame costs the rest of its GOP (no PLI here)
    private const double Loss = 0.10;

    [Fact]
    public void Fec_recovers_lost_packets_and_more_frames_reach_the_assembler_than_without()
    {
        var without = Run(withFec: false);
        var with = Run(withFec: true);

        Assert.Equal(0, without.Recovered);
        Assert.True(with.Recovered > 0);
        Assert.Equal(without.MediaLost, with.MediaLost); // the same media loss pattern
        Assert.True(
            with.FramesAssembled > without.FramesAssembled * 2,
            $"frames assembled: {with.FramesAssembled} with FEC ({with.Recovered} of {with.MediaLost} lost packets recovered, overhead {with.Overhead:P0}), {without.FramesAssembled} without");
        Assert.InRange(with.Overhead, 0.05, 0.5);
    }

    private static Outcome Run(bool withFec)
    {
        var time = new FakeTimeProvider();
        var media = new List<byte[]>();
        var sender = new RtpStreamSender(
            new RtpStreamSenderOptions { Ssrc = 1, PayloadType = 96, HistorySize = 0 }, new Vp8Payloader(), p => media.Add(p.ToArray()), time);
        using var assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), new NoSink());
        var receiver = new RtpStreamReceiver(1, new RtpStreamReceiverOptions { MaxGapWait = TimeSpan.FromMilliseconds(100) }, assembler, time);
        var encoder = new UlpfecEncoder();
        var decoder = new UlpfecDecoder();
        var fec = new byte[UlpfecPacket.MaxSize];
        var recovered = new byte[UlpfecPacket.MaxMediaPacketSize];
        var mediaLoss = new Random(42);
        var fecLoss = new Random(43);
        var frame = new byte[4000]; // ~4 packets per frame
        long mediaLost = 0, mediaBytes = 0, fecBytes = 0;

        for (var f = 0; f < Frames; f++)
        {
            var keyFrame = f % KeyFrameInterval == 0;
            frame[0] = (byte)(keyFrame ? 0x10 : 0x11);
            media.Clear();
            sender.SendFrame(frame, f * 3000L);
            var groupSize = FecProtection.GroupSize(Loss, keyFrame);
            for (var i = 0; i < media.Count; i++)
            {
                var packet = media[i];
                mediaBytes += packet.Length;
                if (mediaLoss.NextDouble() >= Loss)
                {
                    receiver.Receive(packet, out _);
                    decoder.AddMedia(packet);
                }
                else
                {
                    mediaLost++;
                }

                // A group closes at its size or at the frame's last packet (Chrome protects per frame).
                if (withFec && encoder.Add(packet) && (encoder.Count == groupSize || i == media.Count - 1) && encoder.TryClose(fec, out var length))
                {
                    fecBytes += length + RtpHeader.FixedSize + RedPayload.PrimaryHeaderSize;
                    if (fecLoss.NextDouble() >= Loss && decoder.AddFec(fec.AsSpan(0, length)))
                    {
                        while (decoder.TryRecover(recovered, out var written))
                        {
                            receiver.Receive(recovered.AsSpan(0, written), out _);
                        }
                    }
                }
            }

            time.Advance(TimeSpan.FromMilliseconds(33));
            receiver.Poll();
        }

        time.Advance(TimeSpan.FromSeconds(1));
        receiver.Poll();
        return new Outcome(assembler.FramesAssembled, decoder.Recovered, mediaLost, (double)fecBytes / mediaBytes);
    }

    private readonly record struct Outcome(long FramesAssembled, long Recovered, long MediaLost, double Overhead);

    private sealed class NoSink : IEncodedFrameSink
    {
        public void OnFrame(in EncodedFrame frame)
        {
        }
    }
}
