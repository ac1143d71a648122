using System.Globalization;
using System.Text;
using CallBot.Abstractions.Ffmpeg;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Profiles;

namespace CallBot.Media.Sources;

/// <summary>Options of the generated test card and tone.</summary>
public sealed class SyntheticSourceOptions
{
    /// <summary>Debian fonts-dejavu-core; scripts/setup.sh installs it with the runtime packages.</summary>
    public const string DefaultFontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";

    /// <summary>Text burnt into every frame so a recording shows which bot sent it (only [A-Za-z0-9 ._@+-] are kept, at most 64).</summary>
    public string Label { get; set; } = "callbot";

    public string FontFile { get; set; } = DefaultFontFile;

    /// <summary>Frequency of the once-per-second sync beep.</summary>
    public int BeepHz { get; set; } = 1000;

    /// <summary>Length of the beep (and nothing else: the flash is exactly one frame).</summary>
    public int BeepMilliseconds { get; set; } = 50;

    /// <summary>Amplitude of the beep, 0..1 of full scale.</summary>
    public double BeepAmplitude { get; set; } = 0.5;

    /// <summary>Frequency of the quiet tone between beeps (0 for silence), so a listener hears the stream is alive.</summary>
    public int ToneHz { get; set; } = 440;

    /// <summary>Amplitude of the quiet tone; well below the detector's beep threshold.</summary>
    public double ToneAmplitude { get; set; } = 0.01;
}

/// <summary>
/// A generated test card and tone: FFmpeg's testsrc2 pattern with the bot's label, a frame counter and the media timecode
/// burnt in, plus a once-per-second sync mark — a full-frame white flash on frame 0 of every second and a short beep at
/// the same instant — so that a recording can measure A/V offset and freezes (see <see cref="Analysis.SyncMarkDetector"/>).
/// </summary>
/// <remarks>
/// The clip is encoded once and looped, so the card shows the media timecode rather than the wall clock (wall-clock
/// mapping is what RTCP sender reports give a receiver). Both streams derive from the same time <c>t</c>, so they are
/// aligned by construction and stay aligned across loops because every clip is a whole number of seconds.
/// </remarks>
public sealed class SyntheticSource : MediaSource
{
    private readonly SyntheticSourceOptions _options;

    public SyntheticSource(SyntheticSourceOptions? options = null)
    {
        _options = options ?? new SyntheticSourceOptions();
        if (_options.BeepMilliseconds is < 5 or > 500)
        {
            throw new ArgumentException("beep length must be within 5..500 ms", nameof(options));
        }
    }

    public SyntheticSourceOptions Options => _options;

    public override Task<SourceInfo> DescribeAsync(FfmpegRunner ffmpeg, CancellationToken cancellationToken)
    {
        if (!File.Exists(_options.FontFile))
        {
            throw new FfmpegException(FfmpegErrorKind.InputMissing,
                $"font file '{_options.FontFile}' not found; install fonts-dejavu-core (scripts/setup.sh --runtime) or set FontFile");
        }

        var identity = string.Create(CultureInfo.InvariantCulture,
            $"synthetic:v2:{SafeLabel(_options.Label)}:{_options.FontFile}:{_options.BeepHz}:{_options.BeepMilliseconds}:{_options.BeepAmplitude}:{_options.ToneHz}:{_options.ToneAmplitude}");
        return Task.FromResult(new SourceInfo(true, true, null, identity));
    }

    public override FfmpegInput VideoInput(VideoProfile profile, int clipSeconds)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var size = string.Create(CultureInfo.InvariantCulture, $"{profile.Width}x{profile.Height}");
        var fontSize = Math.Max(10, profile.Height / 14);
        var margin = Math.Max(4, profile.Height / 40);
        var label = SafeLabel(_options.Label);
        var graph = string.Create(CultureInfo.InvariantCulture,
            $"testsrc2=size={size}:rate={profile.FrameRate}:duration={clipSeconds}," +
            $"drawtext=fontfile={_options.FontFile}:fontsize={fontSize}:fontcolor=white:box=1:boxcolor=black@0.7:boxborderw={margin / 2}:" +
            $"x={margin}:y=h-2*th-{3 * margin}:text='{label}'," +
            $"drawtext=fontfile={_options.FontFile}:fontsize={fontSize}:fontcolor=white:box=1:boxcolor=black@0.7:boxborderw={margin / 2}:" +
            $"x={margin}:y=h-th-{margin}:text='frame %{{n}}  t %{{pts\\:hms}}'," +
            // The sync flash: the whole frame white on frame 0 of each second, drawn last so nothing covers it.
            $"drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='eq(mod(n\\,{profile.FrameRate})\\,0)'");
        return new FfmpegInput(["-f", "lavfi", "-i", graph], null);
    }

    public override FfmpegInput AudioInput(AudioProfile profile, int clipSeconds)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var beepSeconds = _options.BeepMilliseconds / 1000.0;
        // if(lt(mod(t,1),beep), A*sin(2πft), a*sin(2πf't)); commas escaped for the filtergraph parser.
        var expression = string.Create(CultureInfo.InvariantCulture,
            $"if(lt(mod(t\\,1)\\,{beepSeconds})\\,{_options.BeepAmplitude}*sin(2*PI*{_options.BeepHz}*t)\\,{_options.ToneAmplitude}*sin(2*PI*{_options.ToneHz}*t))");
        var graph = string.Create(CultureInfo.InvariantCulture, $"aevalsrc=exprs={expression}:sample_rate=48000:duration={clipSeconds}");
        return new FfmpegInput(["-f", "lavfi", "-i", graph], null);
    }

    /// <summary>Keeps only characters that need no escaping at any of FFmpeg's three quoting levels.</summary>
    internal static string SafeLabel(string label)
    {
        var text = new StringBuilder(Math.Min(label.Length, 64));
        foreach (var c in label)
        {
            if (text.Length == 64)
            {
                break;
            }

            if (char.IsAsciiLetterOrDigit(c) || c is ' ' or '.' or '_' or '@' or '+' or '-')
            {
                text.Append(c);
            }
        }

        return text.Length == 0 ? "callbot" : text.ToString();
    }
}
