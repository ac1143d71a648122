using System.ComponentModel.DataAnnotations;

namespace CallBot.Worker.Options;

public enum CallKind
{
    Video = 1,
    Audio = 2,
}

/// <summary>Calls placed by bots whose role is <see cref="BotRole.Call"/>. Section <c>CallBot:Outbound</c>.</summary>
public sealed class OutboundCallOptions
{
    public const string Section = "CallBot:Outbound";

    /// <summary>Callee user ids; more than one makes a mesh group call (at most 3 callees: 4 people).</summary>
    [MaxLength(3)]
    public List<int> Targets { get; set; } = [];

    public CallKind Type { get; set; } = CallKind.Video;

    /// <summary>How many calls each calling bot places, one after another; 0 = until stopped.</summary>
    [Range(0, int.MaxValue)]
    public int Count { get; set; } = 1;

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause between consecutive calls of one bot.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);
}
