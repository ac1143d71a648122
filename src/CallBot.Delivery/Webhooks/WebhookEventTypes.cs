namespace CallBot.Delivery.Webhooks;

/// <summary>The event names on the wire (the body's <c>type</c> and the <c>CallBot-Event</c> header).</summary>
public static class WebhookEventTypes
{
    public const string RecordingStarted = "recording.started";
    public const string RecordingFinalized = "recording.finalized";
    public const string RecordingUploaded = "recording.uploaded";
    public const string RecordingFailed = "recording.failed";
    public const string CallEnded = "call.ended";
}
