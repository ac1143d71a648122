using System.Diagnostics;
using CallBot.TestSupport.Rest;

namespace CallBot.Worker.Tests.Cloud;

/// <summary>
/// Runs tests/sdk/golden-rest.cjs once — the REAL connectycube npm SDK's REST code in Node — against a
/// <see cref="RestRecorder"/> answering like the API (<see cref="FakeCloudApi"/>), and keeps the requests it sent.
/// </summary>
public sealed class SdkRestGolden : IAsyncLifetime
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(60);

    public IReadOnlyList<RecordedRequest> Requests { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        var sdkDir = Path.Combine(RepoRoot(), "tests", "sdk");
        if (!File.Exists(Path.Combine(sdkDir, "node_modules", "connectycube", "package.json")))
        {
            throw new InvalidOperationException($"The ConnectyCube SDK is not installed at {sdkDir}; run scripts/setup.sh (npm install there).");
        }

        var api = new FakeCloudApi();
        await using var recorder = new RestRecorder(api.Answer);
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = sdkDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("golden-rest.cjs");
        psi.ArgumentList.Add(recorder.BaseUrl);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(NodeTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("golden-rest.cjs did not finish in time");
        }

        if (process.ExitCode != 0)
        {
            var text = await stderr;
            throw new InvalidOperationException($"golden-rest.cjs failed ({process.ExitCode}): {(text.Length <= 2000 ? text : text[^2000..])}");
        }

        await stdout;
        Requests = recorder.Requests;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CallBot.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CallBot.sln not found above " + AppContext.BaseDirectory);
    }
}
