namespace CallBot.Media.Clips;

/// <summary>Options of <see cref="ClipCache"/>. Bind from configuration section <c>Media:ClipCache</c>.</summary>
public sealed class ClipCacheOptions
{
    /// <summary>
    /// Directory for encoded clips kept across runs, keyed by a SHA-256 of source content + profile + FFmpeg version;
    /// null keeps clips in memory only.
    /// </summary>
    public string? DiskDirectory { get; set; }

    /// <summary>Length of the filler (black / silence) clip sent while muted.</summary>
    public int FillerSeconds { get; set; } = 1;
}
