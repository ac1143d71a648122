namespace CallBot.Worker.Options;

/// <summary>The bot identities this process runs. Bound from <c>CallBot</c> (key <c>CallBot:Bots</c>).</summary>
public sealed class FleetOptions
{
    public const string Section = "CallBot";

    public List<BotOptions> Bots { get; set; } = [];
}
