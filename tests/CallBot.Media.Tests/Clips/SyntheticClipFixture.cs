using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Profiles;
using CallBot.Media.Sources;

namespace CallBot.Media.Tests.Clips;

/// <summary>Encodes the synthetic card once for the class: VP8, H.264 and Opus, 3 s, kept as clips and as container files.</summary>
public sealed class SyntheticClipFixture : IAsyncLifetime
{
    public const int Seconds = 3;
    public static readonly VideoProfile Vp8 = new(CodecId.Vp8, 320, 180, 30, 300, 30, Seconds);
    public static readonly VideoProfile H264 = Vp8 with { Codec = CodecId.H264 };
    public static readonly AudioProfile Opus = new(32, 1, Seconds);

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("callbot-synthetic-").FullName;

    public FfmpegRunner Ffmpeg { get; } = new();

    public SyntheticSource Source { get; } = new(new SyntheticSourceOptions { Label = "bot 4242" });

    public EncodedClip Vp8Clip { get; private set; } = null!;

    public EncodedClip H264Clip { get; private set; } = null!;

    /// <summary><see cref="Vp8Clip"/>'s key-frame-only twin (<see cref="VideoProfile.KeyFrameOnly"/>).</summary>
    public EncodedClip Vp8KeyFrameClip { get; private set; } = null!;

    public EncodedClip OpusClip { get; private set; } = null!;

    public string Vp8File => Path.Combine(Directory, "card.ivf");

    public string H264File => Path.Combine(Directory, "card.h264");

    public string OpusFile => Path.Combine(Directory, "card.ogg");

    public async ValueTask InitializeAsync()
    {
        var encoder = new ClipEncoder(Ffmpeg);
        var info = await Source.DescribeAsync(Ffmpeg, default);
        var vp8 = encoder.EncodeBytesAsync(Source, info, Vp8, Seconds, default);
        var h264 = encoder.EncodeBytesAsync(Source, info, H264, Seconds, default);
        var opus = encoder.EncodeBytesAsync(Source, info, Opus, Seconds, default);
        var vp8Keys = encoder.EncodeBytesAsync(Source, info, Vp8.KeyFrameOnly(), Seconds, default);
        await File.WriteAllBytesAsync(Vp8File, await vp8);
        await File.WriteAllBytesAsync(H264File, await h264);
        await File.WriteAllBytesAsync(OpusFile, await opus);
        Vp8Clip = ClipParser.Parse(await vp8, CodecId.Vp8, Seconds, 30, "vp8", Vp8.BitrateKbps);
        H264Clip = ClipParser.Parse(await h264, CodecId.H264, Seconds, 30, "h264", H264.BitrateKbps);
        Vp8KeyFrameClip = ClipParser.Parse(await vp8Keys, CodecId.Vp8, Seconds, 30, "vp8 key frames", Vp8.KeyFrameOnly().BitrateKbps);
        OpusClip = ClipParser.Parse(await opus, CodecId.Opus, Seconds, 0, "opus", Opus.BitrateKbps);
    }

    /// <summary>What FFmpeg reports decoding <paramref name="path"/> at log level error: empty for a clean stream.</summary>
    public async Task<string> DecodeErrorsAsync(string path, CancellationToken cancellationToken)
    {
        var result = await Ffmpeg.RunAsync(["-v", "error", "-i", path, "-f", "null", "-"], cancellationToken: cancellationToken);
        return result.StderrTail.Trim();
    }

    public ValueTask DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Test classes that share one encode of the synthetic card.</summary>
[CollectionDefinition(Name)]
public sealed class SyntheticClipCollection : ICollectionFixture<SyntheticClipFixture>
{
    public const string Name = "synthetic clip";
}
