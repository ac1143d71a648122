using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Delivery.Upload;

/// <summary>
/// The upload journal: one JSON file a pending call (<c>{sessionId-hash}.json</c>), atomically replaced after each
/// stored part, so a process killed mid-upload resumes from the last stored part. Bounded by
/// <see cref="UploadOptions.MaxPendingCalls"/>. Entries live in memory too (the loop works from memory; the disk is the
/// crash copy); each holds a few hundred bytes plus one line a stored part.
/// </summary>
public sealed class UploadJournal
{
    private readonly UploadOptions _options;
    private readonly DeliveryMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Dictionary<string, CallUpload> _calls = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public UploadJournal(IOptions<UploadOptions> options, DeliveryMetrics metrics, ILogger<UploadJournal> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        if (!_options.Enabled)
        {
            return;
        }

        AtomicFile.EnsureDirectory(_options.JournalDirectory);
        foreach (var path in Directory.EnumerateFiles(_options.JournalDirectory, "*.json"))
        {
            try
            {
                var call = JsonSerializer.Deserialize(File.ReadAllBytes(path), UploadJournalJsonContext.Default.CallUpload)
                    ?? throw new JsonException("empty");
                _calls[call.SessionId] = call;
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                DeliveryLog.JournalEntryUnreadable(_logger, path, ex.Message);
                File.Move(path, path + ".unreadable", overwrite: true);
            }
        }

        _metrics.PendingCalls(_calls.Count);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _calls.Count;
            }
        }
    }

    /// <summary>Adds a call; false when the journal is full or the call is already there.</summary>
    public bool TryAdd(CallUpload call, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(call);
        lock (_lock)
        {
            if (_calls.Count >= _options.MaxPendingCalls)
            {
                reason = $"journal full ({_options.MaxPendingCalls} calls)";
                return false;
            }

            if (!_calls.TryAdd(call.SessionId, call))
            {
                reason = "already journaled";
                return false;
            }

            _metrics.PendingCalls(_calls.Count);
        }

        try
        {
            Save(call);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Remove(call);
            reason = "journal unwritable: " + ex.Message;
            return false;
        }

        reason = null;
        return true;
    }

    /// <summary>The call due first (earliest next attempt), or null.</summary>
    public CallUpload? NextDue(out DateTimeOffset dueAt)
    {
        lock (_lock)
        {
            var next = _calls.Values.MinBy(c => c.NextAttemptAtUtc);
            dueAt = next?.NextAttemptAtUtc ?? DateTimeOffset.MaxValue;
            return next;
        }
    }

    /// <summary>Writes the entry's current state (atomic replace). Serialized per call by the single upload loop; parts of one file may call it concurrently.</summary>
    public void Save(CallUpload call)
    {
        ArgumentNullException.ThrowIfNull(call);
        byte[] bytes;
        lock (call)
        {
            bytes = JsonSerializer.SerializeToUtf8Bytes(call, UploadJournalJsonContext.Default.CallUpload);
            AtomicFile.Write(PathOf(call.SessionId), bytes);
        }
    }

    public void Remove(CallUpload call)
    {
        ArgumentNullException.ThrowIfNull(call);
        lock (_lock)
        {
            _calls.Remove(call.SessionId);
            _metrics.PendingCalls(_calls.Count);
        }

        File.Delete(PathOf(call.SessionId));
    }

    /// <summary>A given-up call's entry is kept under <c>failed/</c> for an operator (the files are still on disk).</summary>
    public void MoveToFailed(CallUpload call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var failed = Path.Combine(_options.JournalDirectory, "failed");
        AtomicFile.EnsureDirectory(failed);
        Save(call);
        File.Move(PathOf(call.SessionId), Path.Combine(failed, Path.GetFileName(PathOf(call.SessionId))), overwrite: true);
        lock (_lock)
        {
            _calls.Remove(call.SessionId);
            _metrics.PendingCalls(_calls.Count);
        }
    }

    /// <summary>Session ids come from the remote side: the file name is a hash of it, never the id itself.</summary>
    private string PathOf(string sessionId) =>
        Path.Combine(_options.JournalDirectory, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sessionId)))[..32] + ".json");
}
