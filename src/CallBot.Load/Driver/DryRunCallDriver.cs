using CallBot.Abstractions;
using CallBot.Load.Scenario;

namespace CallBot.Load.Driver;

/// <summary>How the <see cref="DryRunCallDriver"/> pretends calls go.</summary>
public sealed record DryRunCallBehavior
{
    public double LoginMs { get; init; } = 40;

    /// <summary>Call → ICE connected after the accept: uniform in [mean − spread, mean + spread] ms.</summary>
    public double SetupMeanMs { get; init; } = 250;

    public double SetupSpreadMs { get; init; } = 100;

    /// <summary>Share of answered calls that fail with <see cref="FailureReason"/>.</summary>
    public double FailureShare { get; init; }

    public string FailureReason { get; init; } = "ice-timeout";

    /// <summary>Packet loss per stream: uniform in [0, 2 × mean].</summary>
    public double LossMean { get; init; } = 0.002;

    public double JitterMs { get; init; } = 4;

    public double RttMs { get; init; } = 30;

    public int FreezesPerStream { get; init; }

    public bool AudioOnly { get; init; }

    public int Fps { get; init; } = 30;
}

/// <summary>
/// A driver with no network: each call's result is computed from its intent and a random seeded by the intent's index,
/// so results do not depend on scheduling. It honours reject/no-answer expectations. For tests and <c>--dry-run</c>.
/// With <see cref="SimulateTime"/> it also waits the call's length on the given <see cref="TimeProvider"/>.
/// </summary>
public sealed class DryRunCallDriver(DryRunCallBehavior behavior, TimeSpan ringTimeout, TimeProvider? timeProvider = null, int seed = 1) : ILoadCallDriver
{
    private int _calls;
    private int _logins;

    public bool SimulateTime { get; init; }

    public int CallsRun => Volatile.Read(ref _calls);

    public int Logins => Volatile.Read(ref _logins);

    public Task<LoginResult> LoginAsync(LoadUser user, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _logins);
        return Task.FromResult(new LoginResult(true, TimeSpan.FromMilliseconds(behavior.LoginMs), null));
    }

    public async Task<CallResult> RunCallAsync(CallIntent intent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intent);
        Interlocked.Increment(ref _calls);
        var random = new Random(Planning.StableSeed.Mix(seed, intent.Index));
        var result = Compute(intent, random);
        if (SimulateTime && result.Elapsed > TimeSpan.Zero)
        {
            await Task.Delay(result.Elapsed, timeProvider ?? TimeProvider.System, cancellationToken);
        }

        return result;
    }

    private CallResult Compute(CallIntent intent, Random random)
    {
        switch (intent.Expect)
        {
            case CallExpectation.Reject:
                return new CallResult { Intent = intent, Outcome = CallOutcome.Rejected, Elapsed = intent.AnswerDelay };
            case CallExpectation.NoAnswer:
                return new CallResult { Intent = intent, Outcome = CallOutcome.NoAnswer, Elapsed = ringTimeout };
        }

        var setup = TimeSpan.FromMilliseconds(Math.Max(1, behavior.SetupMeanMs + ((random.NextDouble() * 2) - 1) * behavior.SetupSpreadMs));
        if (random.NextDouble() < behavior.FailureShare)
        {
            return new CallResult
            {
                Intent = intent,
                Outcome = CallOutcome.Failed,
                ErrorReason = behavior.FailureReason,
                AcceptedAfter = intent.AnswerDelay,
                Elapsed = intent.AnswerDelay + setup,
            };
        }

        var streams = new List<StreamResult>();
        var participants = new List<LoadUser>(intent.Callees.Count + 1) { intent.Caller };
        participants.AddRange(intent.Callees);
        foreach (var participant in participants)
        {
            var audioFrames = (long)(intent.Duration.TotalSeconds * 50);
            streams.Add(Stream(random, participant.Login, MediaKind.Audio, audioFrames));
            if (!behavior.AudioOnly)
            {
                streams.Add(Stream(random, participant.Login, MediaKind.Video, (long)(intent.Duration.TotalSeconds * behavior.Fps)));
            }
        }

        return new CallResult
        {
            Intent = intent,
            Outcome = CallOutcome.Completed,
            AcceptedAfter = intent.AnswerDelay,
            IceConnectedAfter = intent.AnswerDelay + setup,
            FirstRemoteFrameAfter = intent.AnswerDelay + setup + TimeSpan.FromMilliseconds(35),
            Elapsed = intent.AnswerDelay + intent.Duration,
            Streams = streams,
        };
    }

    private StreamResult Stream(Random random, string participant, MediaKind kind, long frames)
    {
        var loss = random.NextDouble() * 2 * behavior.LossMean;
        var received = frames - (long)Math.Round(frames * loss);
        return new StreamResult(participant, kind, frames, received, behavior.FreezesPerStream, loss, behavior.JitterMs * (0.5 + random.NextDouble()), behavior.RttMs * (0.8 + (0.4 * random.NextDouble())));
    }
}
