using BenchmarkDotNet.Attributes;
using CallBot.Rtc.Sdp;

namespace CallBot.Benchmarks.Sdp;

/// <summary>
/// Parse and write of a real Chromium audio+video offer with H.264 (161 lines), and building an answer to it.
/// SDP is per call, not per packet: this tracks cost and allocations, not a zero-allocation target.
/// Run: dotnet run -c Release --project bench/CallBot.Benchmarks -- --filter '*SdpBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class SdpBenchmarks
{
    private string _offerText = string.Empty;
    private SessionDescription _offer = new();
    private SdpAnswerOptions _answerOptions = null!;

    [GlobalSetup]
    public void Setup()
    {
        _offerText = File.ReadAllText(FindFixture("chrome-offer-audio-video-h264.sdp"));
        if (!SdpParser.TryParse(_offerText, out _offer, out var error))
        {
            throw new InvalidOperationException(error.ToString());
        }

        var fingerprint = SdpFingerprint.FromBytes(SdpFingerprint.Sha256, new byte[32]);
        _answerOptions = new SdpAnswerOptions(new SdpTransportParameters("ufrg", "passwordpasswordpassword", fingerprint))
        {
            Audio = new SdpMediaCapabilities([SdpCodec.Opus()]) { HeaderExtensionUris = [SdpHeaderExtensionUris.TransportWideCc] },
            Video = new SdpMediaCapabilities([SdpCodec.Vp8(), SdpCodec.Rtx(97, 96), SdpCodec.H264()]) { HeaderExtensionUris = [SdpHeaderExtensionUris.TransportWideCc] },
        };
    }

    [Benchmark]
    public SessionDescription Parse()
    {
        _ = SdpParser.TryParse(_offerText, out var description, out _);
        return description;
    }

    [Benchmark]
    public string Write() => SdpWriter.Write(_offer);

    [Benchmark]
    public string ParseAndWrite()
    {
        _ = SdpParser.TryParse(_offerText, out var description, out _);
        return SdpWriter.Write(description);
    }

    [Benchmark]
    public SessionDescription BuildAnswer() => SdpAnswerBuilder.Build(_offer, _answerOptions);

    private static string FindFixture(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "CallBot.Rtc.Tests", "Sdp", "testdata", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{name} not found above {AppContext.BaseDirectory}");
    }
}
