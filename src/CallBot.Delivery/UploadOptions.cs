using System.ComponentModel.DataAnnotations;

namespace CallBot.Delivery;

/// <summary>Upload of finalized recordings to S3-compatible object storage. Section <c>CallBot:Upload</c>.</summary>
public sealed class UploadOptions
{
    public const string Section = "CallBot:Upload";

    public bool Enabled { get; set; }

    /// <summary>S3 endpoint (http(s)://host:port); empty means AWS S3 in <see cref="Region"/>.</summary>
    public string ServiceUrl { get; set; } = string.Empty;

    public string Region { get; set; } = "us-east-1";

    public string Bucket { get; set; } = string.Empty;

    public string AccessKey { get; set; } = string.Empty;

    /// <summary>Never logged; <see cref="ToString"/> redacts it.</summary>
    public string SecretKey { get; set; } = string.Empty;

    /// <summary>Path-style URLs (host/bucket/key): what MinIO, SeaweedFS, s3rver and most S3-compatibles expect.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Object key. Placeholders: {date} (yyyy-MM-dd of the call start, UTC), {sessionId}, {userId} ("call" for the call's own files), {fileName}.</summary>
    [Required]
    public string KeyTemplate { get; set; } = "{date}/{sessionId}/{fileName}";

    /// <summary>Multipart part size in MiB (S3: at least 5 except the last part; at most 10,000 parts a file).</summary>
    [Range(5, 512)]
    public int PartSizeMiB { get; set; } = 8;

    /// <summary>Parts in flight at once across all uploads of this process (each holds one part buffer).</summary>
    [Range(1, 32)]
    public int MaxConcurrentParts { get; set; } = 4;

    /// <summary>Upload bandwidth cap (bytes/s) so uploads never starve live calls; 0 = no cap.</summary>
    [Range(0, long.MaxValue)]
    public long MaxBytesPerSecond { get; set; }

    /// <summary>Delete each local file once its upload is verified (size and checksum).</summary>
    public bool DeleteAfterUpload { get; set; }

    /// <summary>The upload journal (one small JSON file a pending call): survives crashes and restarts.</summary>
    [Required]
    public string JournalDirectory { get; set; } = "recordings/.delivery/uploads";

    /// <summary>Calls waiting for upload at most; a call past this is not journaled (logged, counted, files kept on disk).</summary>
    [Range(1, 100_000)]
    public int MaxPendingCalls { get; set; } = 1000;

    /// <summary>One part request may take this long before it is abandoned and retried.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Retries of one request (exponential backoff with jitter from RetryBaseDelay, capped at MaxRetryDelay).</summary>
    [Range(0, 100)]
    public int MaxRetryAttempts { get; set; } = 8;

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A call whose upload failed after every retry is tried again this much later (it stays in the journal).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan CallRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>After this long since finalize a call's upload is given up: recording.failed, files stay on disk.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(1);

    public override string ToString() =>
        $"Upload(Enabled={Enabled}, ServiceUrl={ServiceUrl}, Bucket={Bucket}, AccessKey={AccessKey}, SecretKey={(SecretKey.Length == 0 ? "" : "***")})";
}
