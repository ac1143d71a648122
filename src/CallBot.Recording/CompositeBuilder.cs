using System.Globalization;
using System.Text;

namespace CallBot.Recording;

/// <summary>
/// FFmpeg arguments for the optional end-of-call composite: every participant's video scaled into a grid tile
/// (xstack) and every audio track mixed (amix), each input delayed to its real start within the session.
/// This re-encodes (VP8 + Opus), so it runs only at finalize, never on the live path.
/// </summary>
public static class CompositeBuilder
{
    public const int TileWidth = 640;
    public const int TileHeight = 360;
    private const int Fps = 30;

    /// <summary>One recording to place in the composite.</summary>
    public sealed record Input(string Path, bool HasVideo, bool HasAudio, TimeSpan StartOffset);

    public static IReadOnlyList<string> BuildArguments(IReadOnlyList<Input> inputs, string output)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0)
        {
            throw new ArgumentException("No inputs.", nameof(inputs));
        }

        var args = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "error" };
        foreach (var input in inputs)
        {
            args.AddRange(["-i", input.Path]);
        }

        var graph = new StringBuilder();
        var videos = new List<string>();
        var audios = new List<string>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var delay = inputs[i].StartOffset.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            var delayMs = ((long)inputs[i].StartOffset.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            if (inputs[i].HasVideo)
            {
                graph.Append(CultureInfo.InvariantCulture,
                    $"[{i}:v]fps={Fps},scale={TileWidth}:{TileHeight}:force_original_aspect_ratio=decrease,pad={TileWidth}:{TileHeight}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p,tpad=start_duration={delay}:color=black[v{i}];");
                videos.Add($"[v{i}]");
            }

            if (inputs[i].HasAudio)
            {
                graph.Append(CultureInfo.InvariantCulture, $"[{i}:a]aresample=48000,adelay={delayMs}:all=1[a{i}];");
                audios.Add($"[a{i}]");
            }
        }

        if (videos.Count == 1)
        {
            graph.Append(videos[0]).Append("null[vout];");
        }
        else if (videos.Count > 1)
        {
            var columns = (int)Math.Ceiling(Math.Sqrt(videos.Count));
            var layout = new StringBuilder();
            for (var i = 0; i < videos.Count; i++)
            {
                if (i > 0)
                {
                    layout.Append('|');
                }

                layout.Append(CultureInfo.InvariantCulture, $"{i % columns * TileWidth}_{i / columns * TileHeight}");
            }

            graph.Append(string.Concat(videos)).Append(CultureInfo.InvariantCulture, $"xstack=inputs={videos.Count}:layout={layout}:fill=black[vout];");
        }

        if (audios.Count == 1)
        {
            graph.Append(audios[0]).Append("anull[aout];");
        }
        else if (audios.Count > 1)
        {
            graph.Append(string.Concat(audios)).Append(CultureInfo.InvariantCulture, $"amix=inputs={audios.Count}:duration=longest:normalize=0[aout];");
        }

        args.AddRange(["-filter_complex", graph.ToString().TrimEnd(';')]);
        if (videos.Count > 0)
        {
            args.AddRange(["-map", "[vout]", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1500k"]);
        }

        if (audios.Count > 0)
        {
            args.AddRange(["-map", "[aout]", "-c:a", "libopus", "-b:a", "96k"]);
        }

        args.AddRange(["-f", "webm", "-y", output]);
        return args;
    }
}
