using System.ComponentModel.DataAnnotations;

namespace CallBot.Worker.Cloud;

/// <summary>
/// A push notification sent with every outgoing call, so a callee whose app is in the background or killed wakes up
/// (the SDK guide's "Receive a call in background"). Section <c>CallBot:Push</c>. Needs <c>CallBot:Cloud</c> and a
/// <c>Login</c> on each calling bot (the event is created with that bot's user session).
/// </summary>
public sealed class PushOptions
{
    public const string Section = "CallBot:Push";

    public bool Enabled { get; set; }

    /// <summary>The event's <c>environment</c>: <c>development</c> or <c>production</c> (the app's push certificates).</summary>
    [RegularExpression("^(development|production)$")]
    public string Environment { get; set; } = "production";

    /// <summary>Send a VoIP push (<c>ios_voip: 1</c> in the payload), as CallKit apps expect.</summary>
    public bool VoIP { get; set; } = true;

    /// <summary>The notification text; <c>{caller}</c> is replaced by the caller's user id.</summary>
    [Required]
    [MaxLength(512)]
    public string Message { get; set; } = "Incoming call from {caller}";
}
