using System.Xml.Linq;
using CallBot.Signaling;
using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Loopback;
using CallBot.TestSupport;
using CallBot.Worker.Bots;
using CallBot.Worker.Calls;
using CallBot.Worker.Options;
using CallBot.Worker.Telemetry;
using CallBot.Worker.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Worker.Tests.Bots;

/// <summary>
/// Bots on one loopback hub with fake peer connections, on fake time (<see cref="Time"/>: every timer of the bots, call
/// clients and recordings; tests advance it once the timer they expect is armed); records every routed signal type.
/// Real time only bounds the awaits (<see cref="Timeout"/>) and the bots' shutdown grace, which src takes from the
/// wall clock.
/// </summary>
internal sealed class BotHarness : IAsyncDisposable
{
    /// <summary>Real-time guard on awaiting an outcome that events produce; never a pace.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<BotAgent> _agents = [];
    private readonly List<(string From, string Signal)> _signals = [];

    public BotHarness()
    {
        Telemetry = new CallBotTelemetry(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        Hub.MessageRouted += (_, e) =>
        {
            var signal = e.Message.Descendants().FirstOrDefault(x => x.Name.LocalName == "signalType")?.Value;
            if (signal is not null)
            {
                lock (_signals)
                {
                    _signals.Add(((string?)e.Message.Attribute("from") ?? string.Empty, signal));
                }
            }
        };
    }

    public LoopbackChatHub Hub { get; } = new();

    public FakeClock Time { get; } = new();

    public CallBotTelemetry Telemetry { get; }

    public CallLimiter Limiter { get; set; } = new(1000);

    public CallClientOptions ClientOptions { get; set; } = new()
    {
        AnswerTimeInterval = TimeSpan.FromSeconds(2),
        DialingTimeInterval = TimeSpan.FromMilliseconds(500),
        DisconnectTimeInterval = TimeSpan.FromSeconds(5),
    };

    public IReadOnlyList<(string From, string Signal)> Signals
    {
        get
        {
            lock (_signals)
            {
                return [.. _signals];
            }
        }
    }

    public BotAgent Start(int userId, AnswerPolicyOptions? answer = null, int callsPerBot = 1, IChatTransport? transport = null)
    {
        var agent = new BotAgent(
            new BotAgentSettings { UserId = userId, Answer = answer ?? new AnswerPolicyOptions(), CallsPerBot = callsPerBot, ShutdownTimeout = TimeSpan.FromSeconds(5) },
            transport ?? Hub.Connect(userId),
            new FakeCallPeers(),
            null,
            ClientOptions,
            Limiter,
            new CallRecordings(null, Time, NullLoggerFactory.Instance),
            Telemetry,
            Time,
            NullLoggerFactory.Instance);
        _agents.Add(agent);
        return agent;
    }

    public static Task<CallSummary> NextOutcomeAsync(BotAgent agent)
    {
        var done = new TaskCompletionSource<CallSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.CallEnded += (_, o) => done.TrySetResult(o);
        return done.Task.WaitAsync(Timeout);
    }

    public static Task<string> NextAcceptAsync(BotAgent agent)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.CallAccepted += (_, id) => done.TrySetResult(id);
        return done.Task.WaitAsync(Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }

        Telemetry.Dispose();
        await _services.DisposeAsync();
    }
}
