using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Tests.Sdp;

/// <summary>Local parameters shared by the SDP tests: what CallBot would put in its own offers and answers.</summary>
internal static class SdpTestValues
{
    public static readonly SdpFingerprint Fingerprint = SdpFingerprint.FromBytes(SdpFingerprint.Sha256,
        Convert.FromHexString("A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90"));

    public static SdpTransportParameters Transport => new("CbUf", "callbotpasswordof24chars", Fingerprint);

    public static readonly SdpLocalTrack AudioTrack = new(0x11111111, "callbotcname", "callbot", "callbot-audio");

    public static readonly SdpLocalTrack VideoTrack = new(0x22222222, "callbotcname", "callbot", "callbot-video", RtxSsrc: 0x33333333);

    public static readonly string[] Extensions =
    [
        SdpHeaderExtensionUris.AbsSendTime, SdpHeaderExtensionUris.TransportWideCc, SdpHeaderExtensionUris.SdesMid,
    ];

    /// <summary>Our codecs with our own payload types (which an answer must NOT use: it keeps the offerer's numbers).</summary>
    public static SdpAnswerOptions AnswerOptions(SdpDirection direction = SdpDirection.SendRecv) => new(Transport)
    {
        Audio = new SdpMediaCapabilities([SdpCodec.Opus(100)]) { HeaderExtensionUris = Extensions, Track = AudioTrack, Direction = direction },
        Video = new SdpMediaCapabilities([SdpCodec.Vp8(120), SdpCodec.Rtx(121, 120), SdpCodec.H264(122)])
        {
            HeaderExtensionUris = Extensions,
            Track = VideoTrack,
            Direction = direction,
        },
        SessionId = 4242,
    };

    public static SdpOfferOptions OfferOptions(bool withH264 = true)
    {
        var video = new List<SdpCodec> { SdpCodec.Vp8(96), SdpCodec.Rtx(97, 96) };
        if (withH264)
        {
            video.Add(SdpCodec.H264(102));
            video.Add(SdpCodec.Rtx(103, 102));
        }

        var extensions = new[]
        {
            new SdpExtMap(1, null, SdpHeaderExtensionUris.SdesMid, null),
            new SdpExtMap(2, null, SdpHeaderExtensionUris.AbsSendTime, null),
            new SdpExtMap(3, null, SdpHeaderExtensionUris.TransportWideCc, null),
        };
        return new SdpOfferOptions(Transport,
        [
            new SdpLocalTransceiver(MediaDescription.AudioMedia, SdpDirection.SendRecv, [SdpCodec.Opus(111)]) { HeaderExtensions = extensions, Track = AudioTrack },
            new SdpLocalTransceiver(MediaDescription.VideoMedia, SdpDirection.SendRecv, video) { HeaderExtensions = extensions, Track = VideoTrack, MaxReceiveBitrateBps = 2_000_000 },
        ])
        { SessionId = 777 };
    }

    /// <summary>testdata/ next to this source file: read in place, so the test project file needs no copy rule.</summary>
    public static string TestDataFolder { get; } = Path.Combine(Path.GetDirectoryName(SourceFile())!, "testdata");

    public static string TestData(string name) => File.ReadAllText(Path.Combine(TestDataFolder, name));

    public static IEnumerable<string> TestDataNames() =>
        Directory.EnumerateFiles(TestDataFolder, "*.sdp").Select(f => Path.GetFileName(f)).Order();

    private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
}
