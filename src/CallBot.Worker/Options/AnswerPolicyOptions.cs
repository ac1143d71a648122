using System.ComponentModel.DataAnnotations;

namespace CallBot.Worker.Options;

public enum AnswerPolicy
{
    Accept,
    Reject,
    Busy,
    Ignore,
}

/// <summary>How answering bots treat incoming calls. Section <c>CallBot:Answer</c>.</summary>
public sealed class AnswerPolicyOptions
{
    public const string Section = "CallBot:Answer";

    public AnswerPolicy Policy { get; set; } = AnswerPolicy.Accept;

    /// <summary>Only these callers are answered by the policy; others are rejected. Empty = everyone.</summary>
    public List<int> AllowedCallers { get; set; } = [];

    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan AnswerDelay { get; set; } = TimeSpan.Zero;

    /// <summary>The bot hangs up after this long; zero = no limit.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaxCallDuration { get; set; } = TimeSpan.FromHours(1);
}
