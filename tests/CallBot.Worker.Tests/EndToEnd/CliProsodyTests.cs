using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CallBot.TestSupport.Prosody;

namespace CallBot.Worker.Tests.EndToEnd;

/// <summary><c>callbot answer</c> as a child process and <c>callbot call</c> in-process, through Prosody: exit codes and JSON.</summary>
public sealed class CliProsodyTests(ProsodyFixture prosody) : IClassFixture<ProsodyFixture>
{
    private const string Password = "cli-secret";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("accept", 0, "Completed")]
    [InlineData("busy", 1, "Busy")]
    public async Task Call_and_answer_exit_codes_follow_the_outcome(string policy, int callExit, string result)
    {
        var callee = policy == "accept" ? 3202 : 3212;
        var caller = callee - 1;
        await prosody.RegisterUserAsync(caller, 1, Password);
        await prosody.RegisterUserAsync(callee, 1, Password);
        var dir = Path.Combine(Path.GetTempPath(), "callbot-cli-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "lab.json");
        await File.WriteAllTextAsync(config, """{"CallBot":{"VideoChat":{"LoopbackCandidatesOnly":true},"Media":{"Renditions":1,"CacheDirectory":"/tmp/callbot-clips"}}}""", Ct);
        var chat = prosody.WebSocketEndpoint.ToString();
        using var answer = Start(["answer", "--chat", chat, "--app-id", "1", "--domain", ProsodyFixture.Domain, "--user", Id(callee),
            "--policy", policy, "--calls", "1", "--timeout", "80", "--json", "--config", config], Password);
        var online = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stdout = new List<string>();
        answer.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("online as", StringComparison.Ordinal) == true)
            {
                online.TrySetResult();
            }
        };
        answer.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.Add(e.Data);
                }
            }
        };
        answer.BeginErrorReadLine();
        answer.BeginOutputReadLine();
        try
        {
            await online.Task.WaitAsync(Timeout, Ct);

            var code = await CallBotCli.Build().Parse(["call", "--chat", chat, "--app-id", "1", "--domain", ProsodyFixture.Domain, "--user", Id(caller),
                "--password", Password, "--to", Id(callee), "--duration", "3", "--config", config, "--json"]).InvokeAsync(cancellationToken: Ct);
            await answer.WaitForExitAsync(Ct).WaitAsync(Timeout, Ct);

            Assert.Equal(callExit, code);
            Assert.Equal(0, answer.ExitCode);
            string json;
            lock (stdout)
            {
                json = string.Join('\n', stdout);
            }

            using var doc = JsonDocument.Parse(json);
            var call = Assert.Single(doc.RootElement.GetProperty("calls").EnumerateArray());
            Assert.Equal(result, call.GetProperty("result").GetString());
            Assert.Equal(caller, call.GetProperty("peer").GetInt32());
        }
        finally
        {
            if (!answer.HasExited)
            {
                answer.Kill(entireProcessTree: true);
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);

    private static Process Start(string[] args, string password)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "callbot.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["CALLBOT_PASSWORD"] = password;
        return Process.Start(start)!;
    }
}
