using System.CommandLine;
using System.Globalization;
using CallBot.Worker.Bots;
using CallBot.Worker.Cloud;
using CallBot.Worker.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Cli;

/// <summary>
/// The chat login and media options <c>call</c> and <c>answer</c> share, turned into configuration keys. With
/// <c>--login</c> the bot logs in as the SDK does for a user it authenticates over REST: a user session from login and
/// password, then chat with the session token (renewed when it expires); <c>--user</c> may then be left out.
/// </summary>
internal sealed class BotCommandOptions
{
    public const string PasswordVariable = "CALLBOT_PASSWORD";

    public Option<string> Chat { get; } = new("--chat") { Description = "Chat endpoint: wss://host/path, ws://… or tcp://host:port.", Required = true };
    public Option<int> AppId { get; } = new("--app-id") { Description = "ConnectyCube application id.", Required = true };
    public Option<int?> User { get; } = new("--user") { Description = "This bot's user id (with --login: optional, the REST session names it)." };
    public Option<string?> Login { get; } = new("--login") { Description = "ConnectyCube login: REST user session with login and password, chat login with its token. Needs --api (or CallBot:Cloud) and the auth key." };
    public CloudCliOptions Cloud { get; } = new();
    public Option<FileInfo?> PasswordFile { get; } = new("--password-file") { Description = $"File whose first line is the password (chat, or with --login the user's) or a token (or set {PasswordVariable}). Never logged." };
    public Option<string?> Password { get; } = new("--password") { Description = $"Password on the command line: visible to every user in the process list; prefer --password-file or {PasswordVariable}." };
    public Option<string?> Domain { get; } = new("--domain") { Description = "XMPP domain (default: the endpoint's host)." };
    public Option<FileInfo?> TrustCertificate { get; } = new("--trust-cert") { Description = "PEM certificate to trust for wss:// / TLS." };
    public Option<string> Media { get; } = new("--media") { Description = "synthetic, echo, or a media file path.", DefaultValueFactory = _ => "synthetic" };
    public Option<DirectoryInfo?> Record { get; } = new("--record") { Description = "Record remote participants into this directory." };
    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document for scripts." };
    public Option<FileInfo?> Config { get; } = new("--config") { Description = "Extra JSON config file (same keys as appsettings.json)." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Chat, AppId, User, Login, PasswordFile, Password, Domain, TrustCertificate, Media, Record, Json, Config })
        {
            command.Options.Add(option);
        }

        Cloud.AddTo(command);
    }

    /// <summary>
    /// This bot's identity: <c>--user</c> and the password for a chat login, or with <c>--login</c> a REST user session
    /// created now (its user id checked against <c>--user</c> when both are given) that the bot's chat login then reuses.
    /// Null, with the reason written, when the options do not name a user or the REST login fails.
    /// </summary>
    public async Task<BotOptions?> ResolveBotAsync(ParseResult parse, IServiceProvider services, string password, BotRole role, CliOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        var user = parse.GetValue(User);
        if (parse.GetValue(Login) is not { Length: > 0 } login)
        {
            if (user is not > 0)
            {
                output.Error("--user is required (or --login for a REST login).");
                return null;
            }

            return new BotOptions { UserId = user.Value, Password = password, Role = role };
        }

        if (!services.GetRequiredService<IOptions<CloudOptions>>().Value.IsConfigured)
        {
            output.Error("--login: " + CloudCliOptions.NotConfigured);
            return null;
        }

        var session = services.GetRequiredService<SessionTokens>().For(new ApiCredentials(login, password));
        try
        {
            await session.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectyCubeApiException ex)
        {
            output.Error($"--login: REST login of '{login}' failed: {ex.Message}");
            return null;
        }

        if (session.UserId is <= 0 or > int.MaxValue || (user is { } given && given != session.UserId))
        {
            output.Error(string.Create(CultureInfo.InvariantCulture, $"--login: the session of '{login}' names user {session.UserId}, not {user}."));
            return null;
        }

        return new BotOptions { UserId = (int)session.UserId, Login = login, Password = password, Role = role };
    }

    /// <summary>
    /// This bot (<see cref="ResolveBotAsync"/>) started on <paramref name="host"/>'s runtime and logged in. Null, with the
    /// reason written, when the identity cannot be resolved or the login fails.
    /// </summary>
    public async Task<BotAgent?> StartBotAsync(ParseResult parse, CliHost host, string password, BotRole role, CliOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(output);
        if (await ResolveBotAsync(parse, host.Services, password, role, output, cancellationToken).ConfigureAwait(false) is not { } bot)
        {
            return null;
        }

        try
        {
            output.Status($"logging in as {bot.UserId}…");
            return await host.Runtime.StartBotAsync(bot, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            output.Error($"login failed: {ex.Message}");
            return null;
        }
    }

    /// <summary>
    /// The chat secret from <c>--password-file</c>, else <see cref="PasswordVariable"/>, else <c>--password</c> (with a
    /// warning: any local user can read a command line). Null, with the reason written, when none is usable.
    /// </summary>
    public string? ResolvePassword(ParseResult parse, CliOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (parse.GetValue(PasswordFile) is { } file)
        {
            try
            {
                using var reader = file.OpenText();
                var line = reader.ReadLine();
                if (string.IsNullOrEmpty(line))
                {
                    output.Error($"--password-file: '{file.FullName}' is empty.");
                    return null;
                }
                return line;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                output.Error($"--password-file: cannot read '{file.FullName}': {ex.Message}");
                return null;
            }
        }
        if (Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }
        if (parse.GetValue(Password) is { Length: > 0 } password)
        {
            output.Error($"warning: --password is visible in the process list to every local user; use --password-file or {PasswordVariable}.");
            return password;
        }
        output.Error($"--password-file (or {PasswordVariable}) is required.");
        return null;
    }

    /// <summary>
    /// Configuration keys for these options (the password is not among them: it goes straight to the bot). Throws
    /// <see cref="IOException"/> when <c>--auth-key-file</c> cannot be read.
    /// </summary>
    public Dictionary<string, string?> ToSettings(ParseResult parse)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"{ChatOptions.Section}:Endpoint"] = parse.GetValue(Chat),
            [$"{ChatOptions.Section}:AppId"] = parse.GetValue(AppId).ToString(CultureInfo.InvariantCulture),
        };
        if (parse.GetValue(Domain) is { Length: > 0 } domain)
        {
            settings[$"{ChatOptions.Section}:Domain"] = domain;
        }

        if (parse.GetValue(TrustCertificate) is { } cert)
        {
            settings[$"{ChatOptions.Section}:TrustedCertificateFile"] = cert.FullName;
        }

        var media = parse.GetValue(Media) ?? "synthetic";
        if (string.Equals(media, "synthetic", StringComparison.OrdinalIgnoreCase) || string.Equals(media, "echo", StringComparison.OrdinalIgnoreCase))
        {
            settings[$"{MediaOptions.Section}:Source"] = string.Equals(media, "echo", StringComparison.OrdinalIgnoreCase) ? "Echo" : "Synthetic";
        }
        else
        {
            settings[$"{MediaOptions.Section}:Source"] = "File";
            settings[$"{MediaOptions.Section}:File"] = Path.GetFullPath(media);
        }

        if (parse.GetValue(Record) is { } record)
        {
            settings[$"{RecordingOptions.Section}:Enabled"] = "true";
            settings[$"{RecordingOptions.Section}:Directory"] = record.FullName;
        }

        Cloud.AddSettings(parse, settings);
        return settings;
    }
}
