using CallBot.Load.Driver;
using CallBot.Load.Scenario;

namespace CallBot.Load.Planning;

/// <summary>The calls one shard runs, in start order, with the users it must log in.</summary>
public sealed class LoadPlan
{
    public required ShardSpec Shard { get; init; }

    /// <summary>The shard's users (pool order); each logs in once before the first call.</summary>
    public required IReadOnlyList<LoadUser> Users { get; init; }

    public required IReadOnlyList<CallIntent> Calls { get; init; }

    /// <summary>Slots of this shard that found no free participants (every user busy); counted in the report.</summary>
    public required IReadOnlyList<CallSlot> Unplaced { get; init; }

    /// <summary>When the last call is expected to end (ring timeout for unanswered calls).</summary>
    public required TimeSpan ExpectedEnd { get; init; }
}
