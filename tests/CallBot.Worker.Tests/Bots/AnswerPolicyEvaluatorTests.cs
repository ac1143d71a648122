using CallBot.Worker.Bots;
using CallBot.Worker.Options;

namespace CallBot.Worker.Tests.Bots;

public sealed class AnswerPolicyEvaluatorTests
{
    [Theory]
    [InlineData(AnswerPolicy.Accept, true, AnswerDecision.Accept)]
    [InlineData(AnswerPolicy.Accept, false, AnswerDecision.Busy)]
    [InlineData(AnswerPolicy.Reject, true, AnswerDecision.Reject)]
    [InlineData(AnswerPolicy.Reject, false, AnswerDecision.Reject)]
    [InlineData(AnswerPolicy.Busy, true, AnswerDecision.Busy)]
    [InlineData(AnswerPolicy.Ignore, false, AnswerDecision.Ignore)]
    public void Policy_and_capacity_decide(AnswerPolicy policy, bool capacity, AnswerDecision expected) =>
        Assert.Equal(expected, AnswerPolicyEvaluator.Decide(new AnswerPolicyOptions { Policy = policy }, 7, capacity));

    [Fact]
    public void The_allow_list_wins_over_everything()
    {
        var options = new AnswerPolicyOptions { Policy = AnswerPolicy.Accept, AllowedCallers = [1, 2] };

        Assert.Equal(AnswerDecision.Reject, AnswerPolicyEvaluator.Decide(options, 3, hasCapacity: true));
        Assert.Equal(AnswerDecision.Accept, AnswerPolicyEvaluator.Decide(options, 2, hasCapacity: true));
        Assert.Equal(AnswerDecision.Busy, AnswerPolicyEvaluator.Decide(options, 2, hasCapacity: false));
    }

    [Fact]
    public void The_call_limiter_never_exceeds_its_capacity_under_contention()
    {
        var limiter = new CallLimiter(5);
        var granted = 0;
        Parallel.For(0, 1000, _ =>
        {
            if (limiter.TryAcquire())
            {
                Interlocked.Increment(ref granted);
            }
        });

        Assert.Equal(5, granted);
        Assert.Equal(5, limiter.Active);
        limiter.Release();
        Assert.True(limiter.TryAcquire());
    }
}
