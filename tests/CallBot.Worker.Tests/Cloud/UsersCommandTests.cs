using CallBot.Load.Scenario;
using CallBot.TestSupport.Rest;

namespace CallBot.Worker.Tests.Cloud;

/// <summary>
/// <c>callbot users create|delete</c> through the real command line, in process, against a recorder answering like the
/// REST API: the file is the load scenarios' <c>users.file</c> (the scenario loader reads it back), holds passwords the
/// server accepts, is 0600 and never overwritten; delete logs each user in and removes it, and reports the ones it could not.
/// </summary>
public sealed class UsersCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("callbot-users-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Create_writes_a_users_file_the_load_scenarios_read_and_delete_removes_every_user()
    {
        var api = new FakeCloudApi();
        await using var recorder = new RestRecorder(api.Answer);
        var file = Path.Combine(_dir, "users.csv");

        Assert.Equal(0, await RunAsync(recorder, "users", "create", "--count", "5", "--prefix", "loadbot-", "--out", file));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var yaml = $$"""
            name: pool
            chat: { endpoint: "tcp://127.0.0.1:5222", app_id: "7" }
            users: { file: users.csv }
            calls: { duration: { fixed: 5s } }
            load: { stages: [ { duration: 10s, target: 2 } ] }
            """;
        var (scenario, errors) = ScenarioLoader.Load(yaml, _dir);
        Assert.True(errors.Count == 0, string.Join("; ", errors));
        Assert.Equal([4242L, 4243, 4244, 4245, 4246], scenario!.Users.Select(u => u.Id).Order());
        Assert.Equal(["loadbot-1", "loadbot-2", "loadbot-3", "loadbot-4", "loadbot-5"], scenario.Users.Select(u => u.Login).Order());
        Assert.Equal(5, api.Logins.Count);
        Assert.All(scenario.Users, u => Assert.Equal(20, u.Password.Length));
        // One application session, then one signup per user, each with its token.
        Assert.Single(recorder.Requests, r => r.Path == "/session.json");
        Assert.Equal(5, recorder.Requests.Count(r => r.Path == "/users.json" && r.Header("cb-token") is not null));

        Assert.Equal(0, await RunAsync(recorder, "users", "delete", "--file", file));
        Assert.Empty(api.Logins); // each user logged in with the password from the file and deleted itself
        Assert.Equal(5, recorder.Requests.Count(r => r.Method == "DELETE"));
    }

    [Fact]
    public async Task Create_never_overwrites_a_file_and_delete_reports_users_it_could_not_remove()
    {
        var api = new FakeCloudApi();
        await using var recorder = new RestRecorder(api.Answer);
        var file = Path.Combine(_dir, "users.csv");
        Assert.Equal(0, await RunAsync(recorder, "users", "create", "--count", "2", "--prefix", "p", "--out", file));
        var before = await File.ReadAllTextAsync(file, Ct);

        Assert.Equal(2, await RunAsync(recorder, "users", "create", "--count", "2", "--prefix", "q", "--out", file));
        Assert.Equal(before, await File.ReadAllTextAsync(file, Ct));

        // A wrong password for one user: the other is still deleted, the exit code says not all were.
        var lines = (await File.ReadAllLinesAsync(file, Ct)).ToList();
        lines[1] = lines[1][..lines[1].LastIndexOf(',')] + ",wrong-password";
        var edited = Path.Combine(_dir, "edited.csv");
        await File.WriteAllLinesAsync(edited, lines, Ct);
        Assert.Equal(1, await RunAsync(recorder, "users", "delete", "--file", edited));
        Assert.Single(api.Logins);
    }

    [Fact]
    public async Task Without_an_auth_key_the_command_fails_before_any_request()
    {
        var api = new FakeCloudApi();
        await using var recorder = new RestRecorder(api.Answer);
        var exit = await CallBotCli.Build().Parse(["users", "create", "--count", "1", "--prefix", "p", "--out", Path.Combine(_dir, "u.csv"), "--api", recorder.BaseUrl])
            .InvokeAsync(cancellationToken: Ct);
        Assert.Equal(2, exit);
        Assert.Empty(recorder.Requests);
    }

    private async Task<int> RunAsync(RestRecorder recorder, params string[] args)
    {
        var keyFile = Path.Combine(_dir, "auth-key");
        await File.WriteAllTextAsync(keyFile, FakeCloudApi.AuthKey + "\n", Ct);
        string[] common = ["--api", recorder.BaseUrl, "--app-id", FakeCloudApi.AppId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--auth-key-file", keyFile];
        return await CallBotCli.Build().Parse([.. args, .. common]).InvokeAsync(cancellationToken: Ct);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
