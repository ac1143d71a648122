using System.CommandLine;
using System.Globalization;
using CallBot.Worker.Options;

namespace CallBot.Worker.Cli;

/// <summary>The chat login and media options <c>call</c> and <c>answer</c> share, turned into configuration keys.</summary>
internal sealed class BotCommandOptions
{
    public const string PasswordVariable = "CALLBOT_PASSWORD";

    public Option<string> Chat { get; } = new("--chat") { Description = "Chat endpoint: wss://host/path, ws://… or tcp://host:port.", Required = true };
    public Option<int> AppId { get; } = new("--app-id") { Description = "ConnectyCube application id.", Required = true };
    public Option<int> User { get; } = new("--user") { Description = "This bot's user id.", Required = true };
    public Option<FileInfo?> PasswordFile { get; } = new("--password-file") { Description = $"File whose first line is the chat password or token (or set {PasswordVariable}). Never logged." };
    public Option<string?> Password { get; } = new("--password") { Description = $"Chat password on the command line: visible to every user in the process list; prefer --password-file or {PasswordVariable}." };
    public Option<string?> Domain { get; } = new("--domain") { Description = "XMPP domain (default: the endpoint's host)." };
    public Option<FileInfo?> TrustCertificate { get; } = new("--trust-cert") { Description = "PEM certificate to trust for wss:// / TLS." };
    public Option<string> Media { get; } = new("--media") { Description = "synthetic, echo, or a media file path.", DefaultValueFactory = _ => "synthetic" };
    public Option<DirectoryInfo?> Record { get; } = new("--record") { Description = "Record remote participants into this directory." };
    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document for scripts." };
    public Option<FileInfo?> Config { get; } = new("--config") { Description = "Extra JSON config file (same keys as appsettings.json)." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Chat, AppId, User, PasswordFile, Password, Domain, TrustCertificate, Media, Record, Json, Config })
        {
            command.Options.Add(option);
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

    /// <summary>Configuration keys for these options (the password is not among them: it goes straight to the bot).</summary>
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

        return settings;
    }
}
