using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CallBot.Abstractions.Ffmpeg;
using CallBot.Abstractions;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Profiles;
using CallBot.Media.Sources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Media.Clips;

/// <summary>
/// Encodes each (source × profile) once per process — concurrent callers share one encode — and optionally once per
/// machine (on disk). Clips are immutable and shared read-only by every sender. A failed encode is not cached.
/// </summary>
public sealed partial class ClipCache
{
    private readonly ClipEncoder _encoder;
    private readonly ClipCacheOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Lazy<Task<EncodedClip>>> _clips = new(StringComparer.Ordinal);
    private readonly Lazy<Task<string>> _ffmpegVersion;

    public ClipCache(ClipEncoder encoder, ClipCacheOptions? options = null, ILogger<ClipCache>? logger = null)
    {
        _encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        _options = options ?? new ClipCacheOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _ffmpegVersion = new Lazy<Task<string>>(ReadFfmpegVersionAsync);
    }

    /// <summary>Clips held in memory (including ones still encoding).</summary>
    public int Count => _clips.Count;

    /// <summary>Encodes that actually ran FFmpeg (not served from memory or disk).</summary>
    public int EncodeCount => _encodeCount;

    private int _encodeCount;

    /// <summary>The clip of <paramref name="source"/> encoded to <paramref name="profile"/> (video or audio): from memory, disk, or a new encode.</summary>
    public async Task<EncodedClip> GetAsync(MediaSource source, IClipProfile profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(profile);
        profile.Validate();
        var info = await source.DescribeAsync(_encoder.Ffmpeg, cancellationToken).ConfigureAwait(false);
        var version = await _ffmpegVersion.Value.ConfigureAwait(false);
        var key = Hash($"{info.Identity}\n{profile.CacheKey}\n{version}");
        var lazy = _clips.GetOrAdd(key, k => new Lazy<Task<EncodedClip>>(() => LoadOrEncodeAsync(k, source, info, profile)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
        {
            _clips.TryRemove(new KeyValuePair<string, Lazy<Task<EncodedClip>>>(key, lazy));
            throw;
        }
    }

    /// <summary>
    /// All renditions of <paramref name="ladder"/> (encoded concurrently) plus a black filler, as one track; with
    /// <see cref="ClipCacheOptions.KeyFrameRenditions"/>, each rendition's key-frame-only twin too.
    /// </summary>
    public async Task<EncodedTrack> GetVideoTrackAsync(MediaSource source, VideoLadder ladder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ladder);
        var tasks = new List<Task<EncodedClip>>(ladder.Renditions.Count);
        foreach (var profile in ladder.Renditions)
        {
            tasks.Add(GetAsync(source, profile, cancellationToken));
        }

        var keyTasks = new List<Task<EncodedClip>>(_options.KeyFrameRenditions ? ladder.Renditions.Count : 0);
        if (_options.KeyFrameRenditions)
        {
            foreach (var profile in ladder.Renditions)
            {
                keyTasks.Add(GetAsync(source, profile.KeyFrameOnly(), cancellationToken));
            }
        }

        var clips = await Task.WhenAll(tasks).ConfigureAwait(false);
        var keyClips = keyTasks.Count == 0 ? null : await Task.WhenAll(keyTasks).ConfigureAwait(false);
        var top = ladder.Renditions[^1];
        var filler = await GetAsync(FillerSource.Instance, FillerProfile(top), cancellationToken).ConfigureAwait(false);
        return new EncodedTrack(clips, filler, keyClips);
    }

    /// <summary>The audio clip plus a silence filler, as one track.</summary>
    public async Task<EncodedTrack> GetAudioTrackAsync(MediaSource source, AudioProfile profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var clip = await GetAsync(source, profile, cancellationToken).ConfigureAwait(false);
        var filler = await GetAsync(FillerSource.Instance, profile with { ClipSeconds = _options.FillerSeconds }, cancellationToken).ConfigureAwait(false);
        return new EncodedTrack([clip], filler);
    }

    private VideoProfile FillerProfile(VideoProfile top) => top with
    {
        ClipSeconds = _options.FillerSeconds,
        BitrateKbps = Math.Min(top.BitrateKbps, 100),
        KeyFrameInterval = top.FrameRate * _options.FillerSeconds,
    };

    private async Task<EncodedClip> LoadOrEncodeAsync(string key, MediaSource source, SourceInfo info, IClipProfile profile)
    {
        var seconds = ClipEncoder.ClipSecondsFor(info, profile.ClipSeconds);
        var description = ClipEncoder.Describe(info, profile);
        var path = _options.DiskDirectory is { } dir ? Path.Combine(dir, $"{key}-{seconds}s.{Extension(profile.Codec)}") : null;
        if (path is not null && File.Exists(path))
        {
            try
            {
                var cached = await File.ReadAllBytesAsync(path).ConfigureAwait(false);
                var clip = ClipEncoder.Parse(cached, info, profile, seconds);
                Log.LoadedFromDisk(_logger, description, path);
                Touch(path);
                return clip;
            }
            catch (Exception e) when (e is FfmpegException or IOException)
            {
                Log.DiskEntryInvalid(_logger, path, e.Message);
            }
        }

        // The encode must not be cancelled by the first caller: others may be waiting for the same clip.
        Interlocked.Increment(ref _encodeCount);
        var bytes = await _encoder.EncodeBytesAsync(source, info, profile, seconds, CancellationToken.None).ConfigureAwait(false);
        var parsed = ClipEncoder.Parse(bytes, info, profile, seconds);
        Log.Encoded(_logger, description, parsed.Count, bytes.Length);
        if (path is not null)
        {
            await WriteAtomicallyAsync(path, bytes).ConfigureAwait(false);
        }

        return parsed;
    }

    private async Task WriteAtomicallyAsync(string path, byte[] bytes)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            await File.WriteAllBytesAsync(temp, bytes).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
            Evict(Path.GetDirectoryName(path)!, keep: path);
        }
        catch (IOException e)
        {
            Log.DiskWriteFailed(_logger, path, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            Log.DiskWriteFailed(_logger, path, e.Message);
        }
    }

    /// <summary>Marks a clip as used now, so eviction (oldest modification first) keeps it.</summary>
    private static void Touch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another process evicted it meanwhile, or the directory is read-only: the clip in memory is all we need.
        }
    }

    /// <summary>
    /// Deletes the least recently used clips until the directory fits <see cref="ClipCacheOptions.MaxDiskBytes"/>, plus
    /// temporary files an interrupted writer left (older than an hour). Races with other processes are harmless: a file
    /// already gone is skipped, a reader keeps its open file.
    /// </summary>
    private void Evict(string directory, string keep)
    {
        try
        {
            var files = new DirectoryInfo(directory).GetFiles();
            var total = 0L;
            var clips = new List<FileInfo>(files.Length);
            foreach (var file in files)
            {
                if (file.Name.EndsWith(".tmp", StringComparison.Ordinal))
                {
                    if (DateTime.UtcNow - file.LastWriteTimeUtc > TimeSpan.FromHours(1))
                    {
                        file.Delete();
                    }

                    continue;
                }

                total += file.Length;
                clips.Add(file);
            }

            clips.Sort(static (a, b) => a.LastWriteTimeUtc.CompareTo(b.LastWriteTimeUtc));
            foreach (var clip in clips)
            {
                if (total <= _options.MaxDiskBytes)
                {
                    break;
                }

                if (string.Equals(clip.FullName, keep, StringComparison.Ordinal))
                {
                    continue;
                }

                total -= clip.Length;
                clip.Delete();
                Log.Evicted(_logger, clip.FullName);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.DiskWriteFailed(_logger, directory, e.Message);
        }
    }

    private async Task<string> ReadFfmpegVersionAsync()
    {
        var result = await _encoder.Ffmpeg.RunAsync(["-version"], TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var text = Encoding.UTF8.GetString(result.Stdout);
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? text.Trim() : text[..newline].Trim();
    }

    private static string Extension(CodecId codec) => CodecTable.Get(codec).FfmpegFormat;

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Encoded clip {Description}: {Frames} frames, {Bytes} bytes")]
        public static partial void Encoded(ILogger logger, string description, int frames, int bytes);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Loaded clip {Description} from {Path}")]
        public static partial void LoadedFromDisk(ILogger logger, string description, string path);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Ignoring invalid cached clip {Path}: {Reason}")]
        public static partial void DiskEntryInvalid(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Could not write clip cache file {Path}: {Reason}")]
        public static partial void DiskWriteFailed(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Evicted clip cache file {Path} (cache over its size bound)")]
        public static partial void Evicted(ILogger logger, string path);
    }
}
