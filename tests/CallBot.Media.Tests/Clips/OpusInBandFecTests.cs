namespace CallBot.Media.Tests.Clips;

/// <summary>The Opus clip is encoded with in-band FEC on (<c>-fec 1 -packet_loss 10</c>, the codec table's arguments).</summary>
[Collection(SyntheticClipCollection.Name)]
public sealed class OpusInBandFecTests(SyntheticClipFixture fixture)
{
    /// <summary>TOC configurations 0–15 are SILK-only and hybrid: the only modes with LBRR (RFC 6716 §3.1, §4.2.4).</summary>
    private const int FirstCeltOnlyConfig = 16;

    [Fact]
    public void Opus_packets_use_the_modes_that_carry_in_band_fec()
    {
        var clip = fixture.OpusClip;
        var withLbrrMode = 0;
        for (var i = 0; i < clip.Count; i++)
        {
            var toc = clip[i].Data.Span[0];
            withLbrrMode += toc >> 3 < FirstCeltOnlyConfig ? 1 : 0;
        }

        // libopus picks SILK/hybrid when FEC is on and loss expected; a CELT-only packet cannot carry LBRR at all.
        Assert.True(withLbrrMode >= clip.Count * 9 / 10, $"{withLbrrMode} of {clip.Count} packets are SILK or hybrid");
    }
}
