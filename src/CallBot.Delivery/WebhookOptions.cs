using System.ComponentModel.DataAnnotations;

namespace CallBot.Delivery;

/// <summary>Signed JSON webhooks about recordings and calls. Section <c>CallBot:Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    public const string Section = "CallBot:Webhooks";

    /// <summary>Receiver URL (http or https); empty = no webhooks.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>HMAC-SHA256 key (at least 32 characters). Never logged; <see cref="ToString"/> redacts it.</summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>The persisted queue (one JSON file an event, sent in order).</summary>
    [Required]
    public string QueueDirectory { get; set; } = "recordings/.delivery/webhooks";

    /// <summary>Events queued at most; a new event past this is dropped (logged, counted in callbot.webhook.dropped).</summary>
    [Range(1, 1_000_000)]
    public int MaxQueuedEvents { get; set; } = 10_000;

    /// <summary>An event older than this is dropped instead of sent (logged, counted).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromDays(1);

    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    public override string ToString() => $"Webhooks(Url={Url}, Secret={(Secret.Length == 0 ? "" : "***")})";
}
