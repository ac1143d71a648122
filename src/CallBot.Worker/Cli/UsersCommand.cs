using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using CallBot.Load.Scenario;
using CallBot.Worker.Cloud;
using CallBot.Worker.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Cli;

/// <summary>
/// <c>callbot users create|delete</c>: a pool of ConnectyCube users for load runs, over the REST API, in the
/// <c>users.file</c> format the load scenarios read. The auth key comes from <c>CALLBOT_AUTH_KEY</c>, <c>--auth-key-file</c>
/// or <c>CallBot:Cloud:AuthKey</c>, never from the command line (it would show in the process list).
/// </summary>
internal static class UsersCommand
{
    /// <summary>Requests in flight at once: fast enough for a pool of hundreds, gentle on the API's rate limits.</summary>
    public const int Parallelism = 4;

    public const int PasswordLength = 20;

    private const string PasswordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private sealed class CloudCommandOptions
    {
        public CloudCliOptions Cloud { get; } = new();
        public Option<int?> AppId { get; } = new("--app-id") { Description = "Application id (default: CallBot:Chat:AppId)." };
        public Option<FileInfo?> Config { get; } = new("--config") { Description = "Extra JSON config file (same keys as appsettings.json)." };
        public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document for scripts." };

        public void AddTo(Command command)
        {
            Cloud.AddTo(command);
            foreach (var option in new Option[] { AppId, Config, Json })
            {
                command.Options.Add(option);
            }
        }

        public Dictionary<string, string?> ToSettings(ParseResult parse)
        {
            var settings = new Dictionary<string, string?>();
            Cloud.AddSettings(parse, settings);
            if (parse.GetValue(AppId) is { } appId)
            {
                settings[$"{ChatOptions.Section}:AppId"] = appId.ToString(CultureInfo.InvariantCulture);
            }

            return settings;
        }
    }

    public static Command Build()
    {
        var users = new Command("users", "Create or delete a pool of ConnectyCube users (REST) for load runs.");
        users.Subcommands.Add(BuildCreate());
        users.Subcommands.Add(BuildDelete());
        return users;
    }

    private static Command BuildCreate()
    {
        var common = new CloudCommandOptions();
        var count = new Option<int>("--count") { Description = "How many users.", Required = true };
        var prefix = new Option<string>("--prefix") { Description = "Login prefix: logins are PREFIX1 … PREFIXN.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Users file to write (id,login,password; created 0600, never overwritten).", Required = true };
        var command = new Command("create", "Create N users and write them to a users file.");
        command.Options.Add(count);
        command.Options.Add(prefix);
        command.Options.Add(output);
        common.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(common, parse, (api, cli, token) =>
            CreateAsync(api, parse.GetValue(count), parse.GetValue(prefix)!, parse.GetValue(output)!.FullName, cli, token), ct));
        return command;
    }

    private static Command BuildDelete()
    {
        var common = new CloudCommandOptions();
        var file = new Option<FileInfo>("--file") { Description = "Users file written by 'users create'.", Required = true };
        var command = new Command("delete", "Delete every user of a users file (each logs in and deletes itself).");
        command.Options.Add(file);
        common.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(common, parse, (api, cli, token) =>
            DeleteAsync(api, parse.GetValue(file)!.FullName, cli, token), ct));
        return command;
    }

    private static async Task<int> RunAsync(CloudCommandOptions common, ParseResult parse, Func<ConnectyCubeApi, CliOutput, CancellationToken, Task<int>> run, CancellationToken ct)
    {
        var cli = new CliOutput(parse.GetValue(common.Json));
        if (CloudCliOptions.TryReadSettings(() => common.ToSettings(parse), cli) is not { } settings)
        {
            return 2;
        }

        if (await CliHost.TryStartAsync(settings, parse.GetValue(common.Config)?.FullName, cli, ct).ConfigureAwait(false) is not { } host)
        {
            return 2;
        }

        await using (host.ConfigureAwait(false))
        {
            if (!host.Services.GetRequiredService<IOptions<CloudOptions>>().Value.IsConfigured)
            {
                cli.Error(CloudCliOptions.NotConfigured);
                return 2;
            }

            return await run(host.Services.GetRequiredService<ConnectyCubeApi>(), cli, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Creates <paramref name="count"/> users with random passwords; exit 0 when all exist, 1 when some failed, 2 for bad arguments.</summary>
    public static async Task<int> CreateAsync(ConnectyCubeApi api, int count, string prefix, string outPath, CliOutput cli, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(cli);
        if (count is < 1 or > 100_000 || string.IsNullOrWhiteSpace(prefix) || prefix.Contains(',', StringComparison.Ordinal))
        {
            cli.Error("--count must be 1–100000 and --prefix non-empty without commas.");
            return 2;
        }

        UsersFile file;
        try
        {
            file = UsersFile.Create(outPath);
        }
        catch (IOException ex)
        {
            cli.Error($"--out: {ex.Message} (an existing users file is never overwritten)");
            return 2;
        }

        using var app = new AppSession(api);
        var created = 0;
        var failures = new List<string>();
        using (file)
        {
            await Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (i, token) =>
            {
                var login = string.Create(CultureInfo.InvariantCulture, $"{prefix}{i}");
                var credentials = new ApiCredentials(login, RandomNumberGenerator.GetString(PasswordAlphabet, PasswordLength));
                try
                {
                    var user = await app.RunAsync((t, c) => api.SignUpAsync(t, credentials, c), token).ConfigureAwait(false);
                    file.Add(new LoadUser(user.Id, login, credentials.Password, null));
                    Interlocked.Increment(ref created);
                }
                catch (ConnectyCubeApiException ex)
                {
                    lock (failures)
                    {
                        failures.Add($"{login}: {ex.Message}");
                    }
                }
            }).ConfigureAwait(false);
        }

        return Report(cli, "created", created, count, outPath, failures);
    }

    /// <summary>Deletes every user of the file: each logs in (user session) and deletes itself; exit 0 when all are gone.</summary>
    public static async Task<int> DeleteAsync(ConnectyCubeApi api, string path, CliOutput cli, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(cli);
        var errors = new List<string>();
        List<LoadUser> users;
        try
        {
            users = UsersFileFormat.Read(path, errors.Add);
        }
        catch (IOException ex)
        {
            cli.Error($"--file: {ex.Message}");
            return 2;
        }

        if (errors.Count > 0)
        {
            cli.Error(string.Join(Environment.NewLine, errors));
            return 2;
        }

        var deleted = 0;
        var failures = new List<string>();
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (user, token) =>
        {
            try
            {
                var session = await api.CreateSessionAsync(new ApiCredentials(user.Login, user.Password), token).ConfigureAwait(false);
                if (session.UserId != user.Id)
                {
                    throw new ConnectyCubeApiException($"the file says id {user.Id}, the server says {session.UserId}; not deleted");
                }

                await api.DeleteUserAsync(session.Token, user.Id, token).ConfigureAwait(false);
                Interlocked.Increment(ref deleted);
            }
            catch (ConnectyCubeApiException ex)
            {
                lock (failures)
                {
                    failures.Add($"{user}: {ex.Message}");
                }
            }
        }).ConfigureAwait(false);
        return Report(cli, "deleted", deleted, users.Count, path, failures);
    }

    private static int Report(CliOutput cli, string verb, int done, int total, string path, List<string> failures)
    {
        foreach (var failure in failures)
        {
            cli.Error(failure);
        }

        if (cli.Json)
        {
            cli.WriteJson(new UsersJson(verb, done, total - done, path));
        }
        else
        {
            cli.Status(string.Create(CultureInfo.InvariantCulture, $"{verb}={done} failed={total - done} file={path}"));
        }

        return done == total ? 0 : 1;
    }

    /// <summary>The application session signups run under, renewed once if the server expired it meanwhile.</summary>
    private sealed class AppSession(ConnectyCubeApi api) : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private string? _token;

        public async Task<T> RunAsync<T>(Func<string, CancellationToken, Task<T>> call, CancellationToken ct)
        {
            var token = await TokenAsync(null, ct).ConfigureAwait(false);
            try
            {
                return await call(token, ct).ConfigureAwait(false);
            }
            catch (ConnectyCubeApiException ex) when (ex.SessionExpired)
            {
                return await call(await TokenAsync(token, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
            }
        }

        private async Task<string> TokenAsync(string? expired, CancellationToken ct)
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (_token is null || _token == expired)
                {
                    _token = (await api.CreateSessionAsync(null, ct).ConfigureAwait(false)).Token;
                }

                return _token;
            }
            finally
            {
                _gate.Release();
            }
        }

        public void Dispose() => _gate.Dispose();
    }
}

/// <summary>The <c>--json</c> result of <c>users create|delete</c>: <c>verb</c> is <c>created</c> or <c>deleted</c>.</summary>
public sealed record UsersJson(string Verb, int Done, int Failed, string File);
