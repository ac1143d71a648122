using System.Collections.Concurrent;
using System.Globalization;
using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Profiles;
using CallBot.Media.Sources;
using CallBot.Worker.Options;

namespace CallBot.Worker.Calls;

/// <summary>
/// Turns a bot's media options into <see cref="CallMediaTracks"/>: encoded once through the process's
/// <see cref="ClipCache"/> (synthetic card labelled with the bot's user id, or a file) and shared by all its calls.
/// </summary>
public sealed class BotMediaProvider(ClipCache cache)
{
    private readonly ConcurrentDictionary<string, Task<CallMediaTracks>> _tracks = new(StringComparer.Ordinal);

    public Task<CallMediaTracks> GetTracksAsync(MediaOptions options, int userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Source == MediaSourceKind.Echo)
        {
            return Task.FromResult(CallMediaTracks.Echo);
        }

        var label = options.Source == MediaSourceKind.Synthetic ? string.Create(CultureInfo.InvariantCulture, $"user {userId}") : options.File!;
        var key = string.Create(CultureInfo.InvariantCulture,
            $"{options.Source}|{label}|{options.VideoCodec}|{options.Width}x{options.Height}@{options.FrameRate}|{options.VideoBitrateKbps}|{options.AudioBitrateKbps}|{options.Renditions}|g{options.KeyFrameIntervalSeconds}");
        return _tracks.GetOrAdd(key, _ => EncodeAsync(options, label, cancellationToken));
    }

    private async Task<CallMediaTracks> EncodeAsync(MediaOptions options, string label, CancellationToken cancellationToken)
    {
        MediaSource source = options.Source == MediaSourceKind.File
            ? new FileSource(options.File!)
            : new SyntheticSource(new SyntheticSourceOptions { Label = label });
        var codec = CodecTable.Parse(options.VideoCodec).Id;
        var top = new VideoProfile(codec, options.Width, options.Height, options.FrameRate, options.VideoBitrateKbps, KeyFrameInterval: options.FrameRate * options.KeyFrameIntervalSeconds);
        var video = await cache.GetVideoTrackAsync(source, Ladder(top, options.Renditions), cancellationToken).ConfigureAwait(false);
        var audio = await cache.GetAudioTrackAsync(source, new AudioProfile(options.AudioBitrateKbps), cancellationToken).ConfigureAwait(false);
        return new CallMediaTracks(video, audio);
    }

    private static VideoLadder Ladder(VideoProfile top, int renditions) => renditions switch
    {
        <= 1 => VideoLadder.Of(top),
        2 => new VideoLadder([.. VideoLadder.ThreeStep(top).Renditions.Take(2)]),
        3 => VideoLadder.ThreeStep(top),
        _ => VideoLadder.FourStep(top),
    };
}
