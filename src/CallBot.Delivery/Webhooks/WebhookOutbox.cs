using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Delivery.Webhooks;

/// <summary>One queued event: its file and its exact body (what is signed and sent).</summary>
public sealed record QueuedEvent(string File, long Sequence, string Id, string Type, string SessionId, DateTimeOffset CreatedAt, byte[] Body);

/// <summary>
/// The persisted, bounded webhook queue: one file an event (<c>{sequence:D16}.json</c>, written to a temp file and
/// renamed, so a crash leaves either the whole event or none), sent oldest first, so events of one call keep their order.
/// Past <see cref="WebhookOptions.MaxQueuedEvents"/> a new event is dropped, logged and counted: a dead receiver costs
/// disk up to that bound, never memory beyond the index of file names, and never blocks a call.
/// </summary>
public sealed class WebhookOutbox : IDisposable
{
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly DeliveryMetrics _metrics;
    private readonly ILogger _logger;
    private readonly SortedDictionary<long, string> _files = [];
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly Lock _lock = new();
    private long _nextSequence;

    public WebhookOutbox(IOptions<WebhookOptions> options, TimeProvider time, DeliveryMetrics metrics, ILogger<WebhookOutbox> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        if (Enabled)
        {
            AtomicFile.EnsureDirectory(_options.QueueDirectory);
            foreach (var path in Directory.EnumerateFiles(_options.QueueDirectory, "*.json"))
            {
                if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                {
                    _files[seq] = path;
                    _nextSequence = Math.Max(_nextSequence, seq + 1);
                }
            }

            _metrics.QueuedEvents(_files.Count);
        }
    }

    public bool Enabled => _options.Url.Length > 0;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _files.Count;
            }
        }
    }

    /// <summary>
    /// Queues an event. The id is derived from <paramref name="dedupeKey"/> so that the same fact re-announced after a
    /// crash carries the same id (delivery is at least once; receivers dedupe by id).
    /// </summary>
    public bool Enqueue(string type, string sessionId, string dedupeKey, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!Enabled)
        {
            return false;
        }

        var now = _time.GetUtcNow();
        var id = "evt_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{type}\n{sessionId}\n{dedupeKey}")))[..24];
        var body = new JsonObject
        {
            ["id"] = id,
            ["type"] = type,
            ["createdAt"] = now.ToString("o", CultureInfo.InvariantCulture),
            ["sessionId"] = sessionId,
            ["data"] = data,
        };
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        lock (_lock)
        {
            if (_files.Count >= _options.MaxQueuedEvents)
            {
                _metrics.WebhookDropped("queue_full");
                DeliveryLog.WebhookDropped(_logger, type, sessionId, $"queue full ({_options.MaxQueuedEvents} events)");
                return false;
            }

            var seq = _nextSequence++;
            var path = Path.Combine(_options.QueueDirectory, seq.ToString("D16", CultureInfo.InvariantCulture) + ".json");
            try
            {
                AtomicFile.Write(path, bytes);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _metrics.WebhookDropped("unwritable");
                DeliveryLog.WebhookDropped(_logger, type, sessionId, ex.Message);
                return false;
            }

            _files[seq] = path;
            _metrics.QueuedEvents(_files.Count);
        }

        _ = _signal.CurrentCount == 0 && TryRelease();
        return true;
    }

    /// <summary>The oldest event, or null. An unreadable file is dropped (counted) so it cannot block the queue.</summary>
    public QueuedEvent? Peek()
    {
        while (true)
        {
            KeyValuePair<long, string> head;
            lock (_lock)
            {
                if (_files.Count == 0)
                {
                    return null;
                }

                head = _files.First();
            }

            try
            {
                var body = File.ReadAllBytes(head.Value);
                using var doc = JsonDocument.Parse(body);
                var root = doc.RootElement;
                return new QueuedEvent(head.Value, head.Key, root.GetProperty("id").GetString()!, root.GetProperty("type").GetString()!,
                    root.GetProperty("sessionId").GetString()!, root.GetProperty("createdAt").GetDateTimeOffset(), body);
            }
            catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                _metrics.WebhookDropped("unreadable");
                DeliveryLog.WebhookDropped(_logger, "?", "?", $"unreadable queue file {Path.GetFileName(head.Value)}: {ex.Message}");
                Remove(head.Key, head.Value);
            }
        }
    }

    public void Remove(QueuedEvent queued)
    {
        ArgumentNullException.ThrowIfNull(queued);
        Remove(queued.Sequence, queued.File);
    }

    /// <summary>Completes when an event may have been queued since the last call.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    public void Dispose() => _signal.Dispose();

    private void Remove(long sequence, string path)
    {
        lock (_lock)
        {
            _files.Remove(sequence);
            _metrics.QueuedEvents(_files.Count);
        }

        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The entry is out of the index; a leftover file is picked up again only after a restart (at least once).
        }
    }

    private bool TryRelease()
    {
        try
        {
            _signal.Release();
            return true;
        }
        catch (SemaphoreFullException)
        {
            return false;
        }
    }
}
