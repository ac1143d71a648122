using System.CommandLine;
using System.Globalization;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Cli;

/// <summary>
/// <c>callbot answer</c>: stays online until <c>--calls</c> calls ended or <c>--timeout</c>; exit 0 only when that many calls
/// came and every one met the policy (accept: answered and media both ways; reject/busy: rejected so; ignore: rang out).
/// </summary>
internal static class AnswerCommand
{
    public static Command Build()
    {
        var common = new BotCommandOptions();
        var policy = new Option<string>("--policy") { Description = "accept, reject, busy or ignore.", DefaultValueFactory = _ => "accept" };
        policy.AcceptOnlyFromAmong("accept", "reject", "busy", "ignore");
        var calls = new Option<int>("--calls") { Description = "Stop after this many calls ended.", DefaultValueFactory = _ => 1 };
        var timeout = new Option<int>("--timeout") { Description = "Give up after this many seconds.", DefaultValueFactory = _ => 120 };
        var command = new Command("answer", "Stay online and answer incoming calls by a policy.");
        common.AddTo(command);
        command.Options.Add(policy);
        command.Options.Add(calls);
        command.Options.Add(timeout);
        command.SetAction(async (parse, ct) =>
        {
            var output = new CliOutput(parse.GetValue(common.Json));
            var password = common.ResolvePassword(parse, output);
            if (string.IsNullOrEmpty(password))
            {
                return 2;
            }

            var answerPolicy = Enum.Parse<AnswerPolicy>(parse.GetValue(policy) ?? "accept", ignoreCase: true);
            if (CloudCliOptions.TryReadSettings(() => common.ToSettings(parse), output) is not { } settings)
            {
                return 2;
            }

            settings[$"{AnswerPolicyOptions.Section}:Policy"] = answerPolicy.ToString();
            var count = Math.Max(1, parse.GetValue(calls));
            if (await CliHost.TryStartAsync(settings, parse.GetValue(common.Config)?.FullName, output, ct).ConfigureAwait(false) is not { } host)
            {
                return 2;
            }

            await using (host.ConfigureAwait(false))
            {
                if (await common.StartBotAsync(parse, host, password, BotRole.Answer, output, ct).ConfigureAwait(false) is not { } agent)
                {
                    return 2;
                }

                var user = agent.UserId;
                var outcomes = new List<CallSummary>();
                var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                agent.CallEnded += (_, outcome) =>
                {
                    lock (outcomes)
                    {
                        outcomes.Add(outcome);
                        output.Status($"call from {outcome.RemoteUserId}: {outcome.Result}");
                        if (outcomes.Count >= count)
                        {
                            enough.TrySetResult();
                        }
                    }
                };
                await using (agent.ConfigureAwait(false))
                {
                    output.Status(string.Create(CultureInfo.InvariantCulture, $"online as {user}; policy {answerPolicy}; waiting for {count} call(s), up to {parse.GetValue(timeout)} s"));
                    var timedOut = false;
                    try
                    {
                        await enough.Task.WaitAsync(TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))), ct).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                        timedOut = true;
                    }

                    await agent.ShutdownAsync(CancellationToken.None).ConfigureAwait(false);
                    List<CallSummary> done;
                    lock (outcomes)
                    {
                        done = [.. outcomes];
                    }

                    output.Calls(done);
                    if (timedOut)
                    {
                        output.Error(string.Create(CultureInfo.InvariantCulture, $"timed out with {done.Count} of {count} call(s)"));
                    }

                    return !timedOut && done.TrueForAll(o => MetPolicy(answerPolicy, o)) ? 0 : 1;
                }
            }
        });
        return command;
    }

    internal static bool MetPolicy(AnswerPolicy policy, CallSummary outcome) => policy switch
    {
        AnswerPolicy.Accept => outcome.MediaFlowed,
        AnswerPolicy.Reject => outcome.Result == CallDisposition.Rejected,
        AnswerPolicy.Busy => outcome.Result == CallDisposition.Busy,
        _ => outcome.Result is CallDisposition.Ignored or CallDisposition.NotAnswered,
    };
}
