namespace CallBot.Rtc.Payloads;

/// <summary>
/// The RTP packetization of each <see cref="CodecTable"/> entry (the table lives in CallBot.Abstractions, which cannot
/// name these types). A codec missing here fails loudly when a stream of it is configured; a test checks both cover the
/// same codecs.
/// </summary>
public static class RtpCodecs
{
    private static readonly Dictionary<CodecId, (Func<IPayloader> Payloader, Func<IDepacketizer> Depacketizer)> Packetization = new()
    {
        [CodecId.Opus] = (static () => new OpusPayloader(), static () => new OpusDepacketizer()),
        [CodecId.Vp8] = (static () => new Vp8Payloader(), static () => new Vp8Depacketizer()),
        [CodecId.H264] = (static () => new H264Payloader(), static () => new H264Depacketizer()),
    };

    public static IReadOnlyCollection<CodecId> Supported => Packetization.Keys;

    public static IPayloader CreatePayloader(CodecId codec) => Find(codec).Payloader();

    public static IDepacketizer CreateDepacketizer(CodecId codec) => Find(codec).Depacketizer();

    private static (Func<IPayloader> Payloader, Func<IDepacketizer> Depacketizer) Find(CodecId codec)
    {
        _ = CodecTable.Get(codec); // an id outside the table is reported as such
        return Packetization.TryGetValue(codec, out var entry) ? entry : throw new UnknownCodecException(codec.ToString());
    }
}
