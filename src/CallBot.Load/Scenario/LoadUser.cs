namespace CallBot.Load.Scenario;

/// <summary>One bot identity of the pool. <see cref="Group"/> is the bot group (impairment) it belongs to, or null.</summary>
public sealed record LoadUser(long Id, string Login, string Password, string? Group)
{
    // Never print the password.
    public override string ToString() => $"{Login} ({Id})";
}
