using System.ComponentModel.DataAnnotations;

namespace CallBot.Worker.Options;

public enum BotRole
{
    /// <summary>Stays online and answers incoming calls by the answer policy.</summary>
    Answer,

    /// <summary>Places the calls described in <see cref="OutboundCallOptions"/>.</summary>
    Call,
}

/// <summary>One bot identity. Section <c>CallBot:Bots:[i]</c>.</summary>
public sealed class BotOptions
{
    [Range(1, int.MaxValue)]
    public int UserId { get; set; }

    /// <summary>Chat password or session token. Never logged.</summary>
    [Required]
    public string Password { get; set; } = string.Empty;

    /// <summary>
    /// REST login (with <c>CallBot:Cloud</c>): the bot creates a user session with Login + Password and logs into chat with
    /// the session token, renewed when it expires. Empty = chat login with <see cref="Password"/> itself.
    /// </summary>
    public string? Login { get; set; }

    public BotRole Role { get; set; } = BotRole.Answer;

    /// <summary>What this bot sends; null = the process default (<c>CallBot:Media</c>).</summary>
    public MediaOptions? Media { get; set; }

    public override string ToString() => $"bot {UserId} ({Role})";
}
