using CallBot.Load.Scenario;

namespace CallBot.Load.Driver;

/// <summary>
/// What the worker implements to run a load scenario: log bots into chat and run one planned call end to end. The
/// runner calls <see cref="LoginAsync"/> once per user of its shard before the first call, then
/// <see cref="RunCallAsync"/> for each intent at its planned time (many concurrently). Implementations report failures
/// as <see cref="CallOutcome.Failed"/> with a reason instead of throwing; an exception counts as a failure named by its type.
/// </summary>
public interface ILoadCallDriver
{
    Task<LoginResult> LoginAsync(LoadUser user, CancellationToken cancellationToken);

    Task<CallResult> RunCallAsync(CallIntent intent, CancellationToken cancellationToken);
}
