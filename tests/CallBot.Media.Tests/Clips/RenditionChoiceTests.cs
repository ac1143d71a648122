using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Profiles;

namespace CallBot.Media.Tests.Clips;

/// <summary>
/// Which ladder rendition a target bitrate gets: the highest whose cost on the wire (measured frame bytes plus packet
/// headers) fits, not the one whose nominal bitrate does (an encoder that overshoots its nominal rate would otherwise
/// sit at or above a bottleneck the estimate says it must stay under).
/// </summary>
public sealed class RenditionChoiceTests
{
    [Fact]
    public void A_rendition_is_chosen_by_what_it_costs_on_the_wire_not_by_its_nominal_bitrate()
    {
        // Asked for 400 kbit/s, the encoder produced 480 (as libvpx overshoots); 30 frames of 2,000 bytes.
        var low = TestClips.Video(tag: 1, bitrateKbps: 150);
        var overshooting = TestClips.Video(tag: 2, bitrateKbps: 400, producedKbps: 480);
        var track = new EncodedTrack([low, overshooting]);

        // 2,000 bytes a frame → 2 packets → 2,080 bytes on the wire, × 30 fps.
        Assert.Equal((2_000 + (2 * EncodedClip.PacketOverheadBytes)) * 8 * 30 / 1000.0, overshooting.WireBitrateKbps, 3);
        Assert.Equal(0, track.SelectRendition(450)); // the nominal 400 fits 450; the 499 kbit/s it costs does not
        Assert.Equal(0, track.SelectRendition(498));
        Assert.Equal(1, track.SelectRendition(500));
        Assert.Equal(0, track.SelectRendition(10)); // below every rendition: the lowest
    }

    [Fact]
    public void The_four_step_ladder_has_rungs_about_twice_apart_down_to_a_tenth_of_the_top()
    {
        var ladder = VideoLadder.FourStep(new VideoProfile(CodecId.Vp8, 1280, 720, 30, 2500));

        Assert.Equal([(320, 180, 250), (640, 360, 625), (960, 540, 1250), (1280, 720, 2500)], ladder.Renditions.Select(r => (r.Width, r.Height, r.BitrateKbps)));
        Assert.All(ladder.Renditions, r => Assert.Equal((30, 60), (r.FrameRate, r.KeyFrameInterval)));
    }
}
