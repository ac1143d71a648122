namespace CallBot.Recording;

/// <summary>Options for recordings (bind from configuration section "Recording").</summary>
public sealed class RecordingOptions
{
    /// <summary>Every file is created inside this directory; nothing a remote party sends can leave it.</summary>
    public string RootDirectory { get; set; } = "recordings";

    /// <summary>Per-participant file. Placeholders: {date}, {sessionId}, {userId}, {startedAt}. The extension follows the codecs.</summary>
    public string PathTemplate { get; set; } = "{date}/{sessionId}/{userId}-{startedAt}.webm";

    /// <summary>Per-session JSON sidecar.</summary>
    public string SidecarTemplate { get; set; } = "{date}/{sessionId}/session-{startedAt}.json";

    /// <summary>Per-session composite (grid of all video, mixed audio), when <see cref="Composite"/> is on.</summary>
    public string CompositeTemplate { get; set; } = "{date}/{sessionId}/composite-{startedAt}.webm";

    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>FFmpeg closes (and writes) an output cluster at least this often: the most a SIGKILL can lose.</summary>
    public TimeSpan ClusterTimeLimit { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long finalization waits for FFmpeg to write its trailer before killing it.</summary>
    public TimeSpan FinalizeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound for finalize-time jobs (MP4, composite).</summary>
    public TimeSpan PostProcessTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>"Keyframe needed" is raised at most this often while waiting for a video keyframe.</summary>
    public TimeSpan KeyFrameRequestInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Audio is written from its first frame; while the first video keyframe is awaited it is held, at most this long.
    /// With no keyframe by then (camera off, video never arriving, or at finalize) the file is audio-only.
    /// </summary>
    public TimeSpan VideoWaitLimit { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Audio gaps (mute, loss) become pre-encoded Opus silence with real timestamps.</summary>
    public bool FillAudioGapsWithSilence { get; set; } = true;

    /// <summary>Opus channel count declared in the file (WebRTC negotiates opus/48000/2).</summary>
    public int AudioChannels { get; set; } = 2;

    /// <summary>Also produce an MP4 (faststart) next to each recording at finalize.</summary>
    public bool ProduceMp4 { get; set; }

    /// <summary>Produce one grid/mixed file for the whole session at finalize.</summary>
    public bool Composite { get; set; }

    /// <summary>Frames queued towards FFmpeg before new ones are dropped (and counted).</summary>
    public int MaxQueuedFrames { get; set; } = 2048;

    /// <summary>Bytes of frames queued towards FFmpeg before new ones are dropped (and counted): the sender picks frame sizes.</summary>
    public long MaxQueuedBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// Free space the recordings' file system must keep. Below it a recording does not start, and a running one stops
    /// (status Failed, reason <c>disk-full</c>, the file ends cleanly); the call itself goes on. 0 turns the floor off.
    /// </summary>
    public long MinFreeDiskBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Free bytes of the file system holding a path (tests put a fake disk here).</summary>
    internal Func<string, long> FreeSpaceProbe { get; set; } = OwnerOnlyFiles.FreeBytes;

    /// <summary>A change this large between arrival time and mapped time is a sender timestamp jump.</summary>
    public TimeSpan TimestampJumpThreshold { get; set; } = TimeSpan.FromSeconds(1);
}
