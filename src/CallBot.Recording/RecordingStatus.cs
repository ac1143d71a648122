namespace CallBot.Recording;

public enum RecordingStatus
{
    /// <summary>Created, not started.</summary>
    Pending,

    /// <summary>FFmpeg runs; frames are accepted (video waits for its first keyframe).</summary>
    Recording,

    /// <summary>Finalization in progress.</summary>
    Finalizing,

    /// <summary>FFmpeg wrote the trailer; the file is complete.</summary>
    Completed,

    /// <summary>No frame was ever written; no file kept.</summary>
    Empty,

    /// <summary>FFmpeg had to be killed at finalize; the file plays up to its last cluster.</summary>
    TimedOut,

    /// <summary>
    /// The recording stopped on an error (disk full, unwritable directory, FFmpeg died); see the error text. The file plays
    /// what was written before the error; when no media reached it, no file is kept (File null, the error says so).
    /// </summary>
    Failed,
}
