using CallBot.Worker.Options;

namespace CallBot.Worker.Bots;

/// <summary>What a bot does with one incoming call.</summary>
public enum AnswerDecision
{
    Accept,
    Reject,

    /// <summary>Reject with <c>userInfo.busy=true</c>, as the mobile SDKs do when already in a call.</summary>
    Busy,

    /// <summary>Let it ring out: no signal at all.</summary>
    Ignore,
}

/// <summary>The answer policy as a pure function: caller allow-list first, then capacity, then the configured policy.</summary>
public static class AnswerPolicyEvaluator
{
    public static AnswerDecision Decide(AnswerPolicyOptions policy, int callerUserId, bool hasCapacity)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.AllowedCallers.Count > 0 && !policy.AllowedCallers.Contains(callerUserId))
        {
            return AnswerDecision.Reject;
        }

        if (!hasCapacity && policy.Policy is AnswerPolicy.Accept)
        {
            return AnswerDecision.Busy;
        }

        return policy.Policy switch
        {
            AnswerPolicy.Accept => AnswerDecision.Accept,
            AnswerPolicy.Reject => AnswerDecision.Reject,
            AnswerPolicy.Busy => AnswerDecision.Busy,
            _ => AnswerDecision.Ignore,
        };
    }
}
