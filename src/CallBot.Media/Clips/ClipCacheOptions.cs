namespace CallBot.Media.Clips;

/// <summary>Options of <see cref="ClipCache"/>. Bind from configuration section <c>Media:ClipCache</c>.</summary>
public sealed class ClipCacheOptions
{
    /// <summary>
    /// Directory for encoded clips kept across runs, keyed by a SHA-256 of source content + profile + FFmpeg version;
    /// null keeps clips in memory only.
    /// </summary>
    public string? DiskDirectory { get; set; }

    /// <summary>
    /// Bound on the clips kept in <see cref="DiskDirectory"/>: after each write, the least recently used clips (by
    /// modification time, refreshed on every load) are deleted until the rest fit. Processes sharing the directory may
    /// evict each other's clips; a reader keeps its open file, and a later miss only re-encodes.
    /// </summary>
    public long MaxDiskBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// The per-user default for <see cref="DiskDirectory"/>: <c>$XDG_CACHE_HOME/callbot/clips</c>, else
    /// <c>~/.cache/callbot/clips</c>; null when neither can be found (then clips stay in memory).
    /// </summary>
    public static string? DefaultDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "callbot", "clips");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".cache", "callbot", "clips");
    }

    /// <summary>
    /// Also encode each video rendition as a key-frame-only twin, so a keyframe request (PLI/FIR) is answered with the
    /// next frame instead of restarting the clip. Costs a second encode and about as many bytes again per rendition.
    /// </summary>
    public bool KeyFrameRenditions { get; set; } = true;

    /// <summary>Length of the filler (black / silence) clip sent while muted.</summary>
    public int FillerSeconds { get; set; } = 1;
}
