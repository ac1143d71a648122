using System.Globalization;

namespace CallBot.Rtc.Sdp;

/// <summary>
/// A codec as one side describes it: payload type, rtpmap name/clock/channels, fmtp text and the RTCP feedback kinds
/// ("nack", "nack pli", "ccm fir", "goog-remb", "transport-cc"). RTX is a codec too: name "rtx", fmtp "apt=&lt;pt&gt;".
/// </summary>
public sealed record SdpCodec(byte PayloadType, string Name, int ClockRate, int? Channels = null, string? Fmtp = null, IReadOnlyList<string>? RtcpFeedback = null)
{
    public const string RtxName = "rtx";
    public const string AptParameter = "apt";
    private const int VideoClockRate = 90_000;

    public IReadOnlyList<string> Feedback => RtcpFeedback ?? [];

    public bool IsRtx => string.Equals(Name, RtxName, StringComparison.OrdinalIgnoreCase);

    /// <summary>The fmtp lists payload types of the same description (audio RED, RFC 2198 §5): an answer keeps the offerer's.</summary>
    public bool NamesPayloadTypes { get; init; }

    /// <summary>The payload type an RTX codec repairs (fmtp <c>apt=</c>), or null.</summary>
    public byte? AssociatedPayloadType =>
        Fmtp is not null && new SdpFmtp(PayloadType, Fmtp).TryGetParameter(AptParameter, out var apt)
        && SdpNumbers.TryPayloadType(apt, out var pt) ? pt : null;

    public SdpRtpMap RtpMap => new(PayloadType, Name, ClockRate, Channels);

    /// <summary>An RTX codec (RFC 4588) for <paramref name="associatedPayloadType"/>.</summary>
    public static SdpCodec Rtx(byte payloadType, byte associatedPayloadType, int clockRate = VideoClockRate) =>
        new(payloadType, RtxName, clockRate, null, string.Create(CultureInfo.InvariantCulture, $"{AptParameter}={associatedPayloadType}"));

    /// <summary>The SDP codec for one of CallBot's codecs, with the defaults below.</summary>
    public static SdpCodec For(CodecId codec, byte payloadType) => codec switch
    {
        CodecId.Opus => Opus(payloadType),
        CodecId.Vp8 => Vp8(payloadType),
        CodecId.H264 => H264(payloadType),
        _ => throw new UnknownCodecException(codec.ToString()),
    };

    /// <summary>
    /// What we offer and answer for <paramref name="codec"/>: the codec table's rtpmap and fmtp, and those of its rtcp-fb
    /// kinds that <paramref name="feedbackEnabled"/> accepts (the enabled media stages).
    /// </summary>
    public static SdpCodec Local(CodecDescription codec, Func<string, bool> feedbackEnabled)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(feedbackEnabled);
        return new(codec.PayloadType, codec.SdpName, codec.ClockRate, codec.Channels, codec.SdpFmtp,
            [.. codec.RtcpFeedback.Where(feedbackEnabled)]);
    }

    /// <summary>Opus as browsers offer it: 48 kHz stereo, in-band FEC, transport-cc.</summary>
    public static SdpCodec Opus(byte payloadType = 111) =>
        FromTable(CodecId.Opus, payloadType, [SdpRtcpFeedback.TransportCc]);

    /// <summary>VP8 with the feedback Chrome uses.</summary>
    public static SdpCodec Vp8(byte payloadType = 96) => FromTable(CodecId.Vp8, payloadType, VideoFeedback);

    /// <summary>H.264 constrained baseline 3.1, packetization-mode 1 (what browsers prefer).</summary>
    public static SdpCodec H264(byte payloadType = 102, string profileLevelId = "42e01f", int packetizationMode = 1) =>
        new(payloadType, CodecTable.Get(CodecId.H264).SdpName, VideoClockRate, null,
            string.Create(CultureInfo.InvariantCulture, $"level-asymmetry-allowed=1;packetization-mode={packetizationMode};profile-level-id={profileLevelId}"),
            VideoFeedback);

    private static SdpCodec FromTable(CodecId id, byte payloadType, IReadOnlyList<string> feedback)
    {
        var codec = CodecTable.Get(id);
        return new(payloadType, codec.SdpName, codec.ClockRate, codec.Channels, codec.SdpFmtp, feedback);
    }

    private static readonly string[] VideoFeedback =
        [SdpRtcpFeedback.GoogRemb, SdpRtcpFeedback.TransportCc, "ccm fir", SdpRtcpFeedback.Nack, "nack pli"];
}
