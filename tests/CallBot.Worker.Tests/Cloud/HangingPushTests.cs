using System.Globalization;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport;
using CallBot.TestSupport.Rest;
using CallBot.Worker.Bots;
using CallBot.Worker.Cloud;
using CallBot.Worker.Options;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;

namespace CallBot.Worker.Tests.Cloud;

/// <summary>
/// A push endpoint that accepts the request and never answers must not delay the call it goes with. The product's own
/// host (DI, the REST client's Polly pipeline, the push notifier, two bots on the embedded chat hub) runs against a real
/// HTTP recorder whose <c>POST /events.json</c> hangs. The order of events is the subject, on the real clock (the host's
/// shutdown does not run on a fake one): the callee gets the <c>call</c> and the call ends while the push is still held
/// open; the push is counted as failed only once all its attempts (each cut by the request timeout) were left hanging;
/// the next call goes through while the next push hangs too.
/// </summary>
public sealed class HangingPushTests
{
    private const int CalleeId = 5002;
    private static readonly ApiCredentials Caller = new("hang-caller", "hang-pass-1");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_hanging_push_endpoint_never_delays_the_call()
    {
        var api = new FakeCloudApi();
        await using var recorder = new RestRecorder(api.Answer);
        recorder.Hang("POST", "/events.json");
        using var host = BuildHost(recorder.BaseUrl);
        await host.StartAsync(Ct);
        var rest = host.Services.GetRequiredService<ConnectyCubeApi>();
        var callerId = (int)(await rest.SignUpAsync((await rest.CreateSessionAsync(null, Ct)).Token, Caller, Ct)).Id;
        using var pushes = new MetricCollector<long>(host.Services.GetRequiredService<CallBotTelemetry>().PushSent);
        var runtime = host.Services.GetRequiredService<CallBotRuntime>();
        runtime.LoopbackOnly = true;
        var callee = await runtime.StartBotAsync(new BotOptions { UserId = CalleeId, Password = "unused", Role = BotRole.Answer }, Ct);
        var caller = await runtime.StartBotAsync(new BotOptions { UserId = callerId, Login = Caller.Login, Password = Caller.Password, Role = BotRole.Call }, Ct);
        try
        {
            await CallsAsync(recorder, pushes, caller, callee);
        }
        finally
        {
            await Task.WhenAll(caller.DisposeAsync().AsTask(), callee.DisposeAsync().AsTask());
            await host.StopAsync(Ct);
        }
    }

    private static async Task CallsAsync(RestRecorder recorder, MetricCollector<long> pushes, BotAgent caller, BotAgent callee)
    {
        var rings = new List<string>();
        callee.Client.IncomingCall += (_, e) =>
        {
            lock (rings)
            {
                rings.Add(e.Session.Id);
            }
        };

        // 1. The call reaches the callee (who rejects it by policy) and ends with the push still unanswered: nothing
        //    waited for it (its attempts take at least 4 × the 2 s timeout to give up).
        var first = await caller.PlaceCallAsync([CalleeId], CallType.Video, TimeSpan.FromSeconds(1), cancellationToken: Ct).WaitAsync(Timeout, Ct);
        Assert.Equal(CallDisposition.Rejected, first.Result);
        Assert.Equal([first.SessionId], Rings(rings));
        await Poll.UntilAsync(() => recorder.Unanswered == 1, Timeout, "the push request reached the hanging endpoint", Ct);
        Assert.Empty(pushes.GetMeasurementSnapshot()); // still in flight, neither sent nor failed

        // 2. Each attempt times out (CallBot:Cloud:RequestTimeout) and is retried; once the retries are spent the push is
        //    counted as failed. Every attempt reached the endpoint and was left hanging.
        await Poll.UntilAsync(() => pushes.GetMeasurementSnapshot().Count > 0, Timeout, "the hanging push counted", Ct);
        Assert.Equal(["failed"], pushes.GetMeasurementSnapshot().Select(m => (string)m.Tags["result"]!));
        Assert.Equal(1 + CloudServiceCollectionExtensions.MaxRetryAttempts, recorder.Unanswered);

        // 3. The process keeps serving: the next call goes out and reaches the callee, its push hanging too.
        var second = await caller.PlaceCallAsync([CalleeId], CallType.Video, TimeSpan.FromSeconds(1), cancellationToken: Ct).WaitAsync(Timeout, Ct);
        Assert.Equal(CallDisposition.Rejected, second.Result);
        Assert.Equal([first.SessionId, second.SessionId], Rings(rings));
        await Poll.UntilAsync(() => recorder.Unanswered == 2 + CloudServiceCollectionExtensions.MaxRetryAttempts, Timeout, "the second push reached the endpoint", Ct);
        Assert.Single(pushes.GetMeasurementSnapshot()); // the second push is still in flight
    }

    private static List<string> Rings(List<string> rings)
    {
        lock (rings)
        {
            return [.. rings];
        }
    }

    private static IHost BuildHost(string apiUrl)
    {
        var builder = CallBotHost.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{CloudOptions.Section}:ApiEndpoint"] = apiUrl,
            [$"{CloudOptions.Section}:AuthKey"] = FakeCloudApi.AuthKey,
            [$"{CloudOptions.Section}:RequestTimeout"] = "00:00:02",
            [$"{ChatOptions.Section}:AppId"] = FakeCloudApi.AppId.ToString(CultureInfo.InvariantCulture),
            [$"{PushOptions.Section}:Enabled"] = "true",
            [$"{AnswerPolicyOptions.Section}:Policy"] = nameof(AnswerPolicy.Reject),
            [$"{MediaOptions.Section}:Source"] = nameof(MediaSourceKind.Echo),
            [$"{MediaOptions.Section}:DiskCache"] = "false",
            ["CallBot:Telemetry:HealthPrefix"] = string.Empty,
        });
        return builder.Build();
    }
}
