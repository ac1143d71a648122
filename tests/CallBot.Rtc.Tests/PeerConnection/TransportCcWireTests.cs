using System.Buffers.Binary;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Rtp;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>The transport-cc stage between two connections: the extension on the wire, feedback back, the estimate as the sender's target.</summary>
public sealed class TransportCcWireTests
{
    [Fact]
    public async Task Every_sent_packet_carries_the_next_transport_sequence_number_and_the_feedback_sets_the_target_bitrate()
    {
        await using var peers = await InMemoryPeers.ConnectAsync();
        Assert.Contains("transport-wide-cc-extensions-01", peers.B.LocalDescription, StringComparison.Ordinal);
        Assert.Equal(0, peers.A.GetStats().Outbound.Single().TargetBitrateKbps);

        // Frames until B's feedback reached A's estimator (each call waits for B to assemble the frame; feedback goes every 60 ms).
        var deadline = DateTime.UtcNow + PeerHarness.Timeout;
        while (peers.A.GetStats().Outbound.Single().TargetBitrateKbps == 0 && DateTime.UtcNow < deadline)
        {
            await peers.SendFrameAndWaitAsync();
        }

        // The default start estimate, less nothing for audio (A sends video only).
        Assert.InRange(peers.A.GetStats().Outbound.Single().TargetBitrateKbps, 1_000, 2_000);
        var sequences = TransportSequences(peers, id: 3);
        Assert.True(sequences.Count >= 3);
        for (var i = 1; i < sequences.Count; i++)
        {
            Assert.Equal((ushort)(sequences[i - 1] + 1), sequences[i]);
        }
    }

    [Fact]
    public async Task Without_the_stage_on_the_answerer_the_extension_is_not_negotiated_nor_sent()
    {
        string[] stages = [.. InterceptorRegistry.Names.Where(n => n != InterceptorRegistry.TransportCc)];
        await using var peers = await InMemoryPeers.ConnectAsync(stagesOfB: stages);
        Assert.DoesNotContain("transport-wide-cc-extensions-01", peers.B.LocalDescription, StringComparison.Ordinal);
        Assert.DoesNotContain("transport-cc", peers.B.LocalDescription, StringComparison.Ordinal);

        await peers.SendFrameAndWaitAsync();

        Assert.Empty(TransportSequences(peers, id: 3));
        Assert.Equal(0, peers.A.GetStats().Outbound.Single().TargetBitrateKbps);
    }

    private static List<ushort> TransportSequences(InMemoryPeers peers, int id)
    {
        var sequences = new List<ushort>();
        foreach (var datagram in peers.Tapped)
        {
            // SRTP leaves the header and its extensions in the clear.
            if (datagram.Length < RtpHeader.FixedSize || datagram[0] >> 6 != 2 || datagram[1] is >= 192 and <= 223)
            {
                continue;
            }

            if (RtpHeader.TryParse(datagram, out var header, out _, out _) && header.TryGetExtension(datagram, id, out var value))
            {
                sequences.Add(BinaryPrimitives.ReadUInt16BigEndian(value));
            }
        }

        return sequences;
    }
}
