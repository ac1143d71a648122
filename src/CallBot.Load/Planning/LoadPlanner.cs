using CallBot.Load.Driver;
using CallBot.Load.Scenario;

namespace CallBot.Load.Planning;

/// <summary>
/// Turns a scenario into call intents, deterministically from its seed, in two steps:
/// <list type="number">
/// <item><see cref="Timeline"/>: when calls start, how long they last, reject/no-answer/record flags, from the stages
/// (k6-style: each stage moves the target linearly from the previous one). Independent of sharding.</item>
/// <item><see cref="Plan"/>: slot <c>j</c> goes to shard <c>j mod n</c>, which picks its participants among its own users
/// (pool index <c>k mod n</c>) that are free at that time, with its own seeded random.</item>
/// </list>
/// So every call's participants belong to one shard, and the shards' calls together are exactly the unsharded timeline.
/// </summary>
public static class LoadPlanner
{
    /// <summary>Planning resolution: concurrency is topped up, and arrivals are released, on this grid.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    public static IReadOnlyList<CallSlot> Timeline(LoadedScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var random = new Random(scenario.Source.Seed);
        var slots = new List<CallSlot>();
        var total = scenario.TotalDuration;
        var ends = new PriorityQueue<TimeSpan, TimeSpan>();
        var arrivals = 0.0;
        var previousRate = TargetAt(scenario, TimeSpan.Zero);
        for (var t = TimeSpan.Zero; t < total; t += Tick)
        {
            var target = TargetAt(scenario, t);
            if (scenario.Executor == LoadExecutor.Concurrency)
            {
                while (ends.TryPeek(out var end, out _) && end <= t)
                {
                    ends.Dequeue();
                }

                var wanted = (int)Math.Floor(target + 1e-9);
                while (ends.Count < wanted)
                {
                    var slot = NewSlot(scenario, random, slots.Count, t);
                    slots.Add(slot);
                    var occupancy = Occupancy(scenario, slot);
                    ends.Enqueue(t + occupancy, t + occupancy);
                }
            }
            else
            {
                // Trapezoid integral of the rate over the tick: arrivals accumulate and each whole one starts a call.
                arrivals += (previousRate + target) / 2 * Tick.TotalSeconds;
                previousRate = target;
                while (arrivals >= 1 - 1e-9)
                {
                    slots.Add(NewSlot(scenario, random, slots.Count, t));
                    arrivals -= 1;
                }
            }
        }

        return slots;
    }

    public static LoadPlan Plan(LoadedScenario scenario, ShardSpec shard)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(shard);
        var users = new List<LoadUser>();
        for (var k = 0; k < scenario.Users.Count; k++)
        {
            if (shard.OwnsUser(k))
            {
                users.Add(scenario.Users[k]);
            }
        }

        var isCaller = new bool[users.Count];
        for (var j = 0; j < users.Count; j++)
        {
            // Spread callers evenly through the pool (not a prefix), so bot groups mix callers and callees.
            isCaller[j] = scenario.CallerRatio is not { } ratio || Math.Floor((j + 1) * ratio) > Math.Floor(j * ratio);
        }

        var busyUntil = new TimeSpan[users.Count];
        var random = new Random(StableSeed.Mix(scenario.Source.Seed, shard.Index, shard.Count));
        var calls = new List<CallIntent>();
        var unplaced = new List<CallSlot>();
        var expectedEnd = TimeSpan.Zero;
        var free = new List<int>();
        foreach (var slot in Timeline(scenario))
        {
            if (!shard.OwnsCall(slot.Index))
            {
                continue;
            }

            var caller = Pick(random, free, busyUntil, isCaller, slot.Start, wantCaller: true, scenario.CallerRatio is not null, exclude: []);
            var callees = new List<int>();
            while (caller >= 0 && callees.Count < scenario.GroupSize - 1)
            {
                var callee = Pick(random, free, busyUntil, isCaller, slot.Start, wantCaller: false, scenario.CallerRatio is not null, exclude: [caller, .. callees]);
                if (callee < 0)
                {
                    break;
                }

                callees.Add(callee);
            }

            if (caller < 0 || callees.Count < scenario.GroupSize - 1)
            {
                unplaced.Add(slot);
                continue;
            }

            var occupiedUntil = slot.Start + Occupancy(scenario, slot);
            busyUntil[caller] = occupiedUntil;
            var calleeUsers = new LoadUser[callees.Count];
            for (var i = 0; i < callees.Count; i++)
            {
                busyUntil[callees[i]] = occupiedUntil;
                calleeUsers[i] = users[callees[i]];
            }

            expectedEnd = occupiedUntil > expectedEnd ? occupiedUntil : expectedEnd;
            calls.Add(new CallIntent(slot.Index, shard.Index, slot.Start, users[caller], calleeUsers, slot.Duration, slot.AnswerDelay, slot.Expect, slot.Record));
        }

        return new LoadPlan { Shard = shard, Users = users, Calls = calls, Unplaced = unplaced, ExpectedEnd = expectedEnd };
    }

    /// <summary>The stage target at <paramref name="t"/>: linear from the previous stage's target (or start_target) to this stage's.</summary>
    public static double TargetAt(LoadedScenario scenario, TimeSpan t)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var from = scenario.StartTarget;
        var stageStart = TimeSpan.Zero;
        foreach (var stage in scenario.Stages)
        {
            if (t < stageStart + stage.Duration)
            {
                var progress = (t - stageStart) / stage.Duration;
                return from + ((stage.Target - from) * progress);
            }

            from = stage.Target;
            stageStart += stage.Duration;
        }

        return 0;
    }

    private static TimeSpan Occupancy(LoadedScenario scenario, CallSlot slot) => slot.Expect switch
    {
        CallExpectation.Answer => slot.AnswerDelay + slot.Duration,
        CallExpectation.Reject => slot.AnswerDelay,
        _ => scenario.RingTimeout,
    };

    private static CallSlot NewSlot(LoadedScenario scenario, Random random, int index, TimeSpan start)
    {
        var calls = scenario.Source.Calls;
        var duration = scenario.Duration.Sample(random);
        var answerDelay = scenario.AnswerDelay.Sample(random);
        var roll = random.NextDouble();
        var expect = roll < calls.RejectShare ? CallExpectation.Reject
            : roll < calls.RejectShare + calls.NoAnswerShare ? CallExpectation.NoAnswer
            : CallExpectation.Answer;
        var record = random.NextDouble() < calls.RecordShare;
        return new CallSlot(index, start, duration, answerDelay, expect, record);
    }

    private static int Pick(Random random, List<int> free, TimeSpan[] busyUntil, bool[] isCaller, TimeSpan at, bool wantCaller, bool roles, int[] exclude)
    {
        free.Clear();
        for (var j = 0; j < busyUntil.Length; j++)
        {
            if (busyUntil[j] <= at && (!roles || isCaller[j] == wantCaller) && Array.IndexOf(exclude, j) < 0)
            {
                free.Add(j);
            }
        }

        return free.Count == 0 ? -1 : free[random.Next(free.Count)];
    }
}
