using System.Text.Json.Serialization;
using CallBot.Recording.Sidecar;

namespace CallBot.Delivery.Upload;

/// <summary>One call waiting for upload: the journal entry, rewritten (atomically) after every step that must survive a crash.</summary>
public sealed class CallUpload
{
    public int SchemaVersion { get; set; } = 1;
    public string SessionId { get; set; } = string.Empty;

    /// <summary>Absolute recordings root the files' relative paths start from.</summary>
    public string RootDirectory { get; set; } = string.Empty;
    public DateTimeOffset FinalizedAtUtc { get; set; }
    public SessionSidecar Sidecar { get; set; } = new();
    public List<FileUpload> Files { get; set; } = [];
    public string ManifestKey { get; set; } = string.Empty;
    public bool ManifestUploaded { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAtUtc { get; set; }
    public string? LastError { get; set; }
}

/// <summary>One file of a call and how far its multipart upload got.</summary>
public sealed class FileUpload
{
    /// <summary>Path relative to the recordings root (as in the sidecar).</summary>
    public string File { get; set; } = string.Empty;

    /// <summary>"recording", "mp4", "composite" or "sidecar".</summary>
    public string Kind { get; set; } = string.Empty;
    public string? UserId { get; set; }
    public string Key { get; set; } = string.Empty;
    public long Size { get; set; }
    public string? Sha256 { get; set; }

    /// <summary>MD5 of the whole file: some S3-compatibles return it as the completed object's ETag.</summary>
    public string? Md5 { get; set; }
    public int PartSize { get; set; }
    public string? UploadId { get; set; }
    public List<PartRecord> Parts { get; set; } = [];
    public bool Uploaded { get; set; }

    /// <summary>The local file was gone when its upload started (reported as recording.failed, not retried).</summary>
    public bool Missing { get; set; }
    public string? ETag { get; set; }
    public string? Location { get; set; }
}

/// <summary>A stored part: its number and the ETag the server returned (checked against the part's MD5).</summary>
public sealed record PartRecord(int Number, string ETag, string Md5);

[JsonSourceGenerationOptions(
    WriteIndented = false,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CallUpload))]
internal sealed partial class UploadJournalJsonContext : JsonSerializerContext;
