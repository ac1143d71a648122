using System.CommandLine;
using System.Globalization;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Cli;

/// <summary>
/// <c>callbot call</c>: logs in, calls the targets, keeps the call up for the duration, hangs up. Exit 0 only when the call
/// was accepted and media flowed both ways; 1 otherwise; 2 for bad options or a failed login.
/// </summary>
internal static class CallCommand
{
    public static Command Build()
    {
        var common = new BotCommandOptions();
        var to = new Option<string>("--to") { Description = "Callee user id(s), comma separated (up to 3).", Required = true };
        var type = new Option<string>("--type") { Description = "video or audio.", DefaultValueFactory = _ => "video" };
        type.AcceptOnlyFromAmong("video", "audio");
        var duration = new Option<int>("--duration") { Description = "Seconds to stay in the call once answered.", DefaultValueFactory = _ => 10 };
        var maxBandwidth = new Option<int>("--max-bandwidth") { Description = "userInfo.maxBandwidth in kbit/s (0 = none).", DefaultValueFactory = _ => 0 };
        var command = new Command("call", "Call one or more users and check that media flows both ways.");
        common.AddTo(command);
        command.Options.Add(to);
        command.Options.Add(type);
        command.Options.Add(duration);
        command.Options.Add(maxBandwidth);
        command.SetAction(async (parse, ct) =>
        {
            var output = new CliOutput(parse.GetValue(common.Json));
            if (!TryParseTargets(parse.GetValue(to), out var targets))
            {
                output.Error("--to: expected one to three comma-separated user ids.");
                return 2;
            }

            if (CloudCliOptions.TryReadSettings(() => common.ToSettings(parse), output) is not { } settings)
            {
                return 2;
            }

            settings[$"{VideoChatOptions.Section}:MaxBandwidth"] = parse.GetValue(maxBandwidth).ToString(CultureInfo.InvariantCulture);
            var callType = parse.GetValue(type) == "audio" ? CallType.Audio : CallType.Video;
            return await RunAsync(output, settings, common, parse, common.ResolvePassword(parse, output),
                targets, callType, TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(duration))), ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(CliOutput output, Dictionary<string, string?> settings, BotCommandOptions common, ParseResult parse, string? password,
        IReadOnlyList<int> targets, CallType callType, TimeSpan duration, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(password))
        {
            return 2; // ResolvePassword said why
        }

        if (await CliHost.TryStartAsync(settings, parse.GetValue(common.Config)?.FullName, output, ct).ConfigureAwait(false) is not { } host)
        {
            return 2;
        }

        await using (host.ConfigureAwait(false))
        {
            if (await common.StartBotAsync(parse, host, password, BotRole.Call, output, ct).ConfigureAwait(false) is not { } agent)
            {
                return 2;
            }

            await using (agent.ConfigureAwait(false))
            {
                output.Status($"calling {string.Join(',', targets)} ({callType.ToString().ToLowerInvariant()}) for {duration.TotalSeconds:0} s…");
                var outcome = await agent.PlaceCallAsync(targets, callType, duration, timeFromMedia: true, ct).ConfigureAwait(false);
                output.Calls([outcome]);
                return outcome.MediaFlowed ? 0 : 1;
            }
        }
    }

    internal static bool TryParseTargets(string? text, out IReadOnlyList<int> targets)
    {
        var list = new List<int>();
        targets = list;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0 || list.Contains(id))
            {
                return false;
            }

            list.Add(id);
        }

        return list.Count is >= 1 and <= 3;
    }
}
