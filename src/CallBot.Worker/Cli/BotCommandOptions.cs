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
    public Option<string?> Password { get; } = new("--password") { Description = $"Chat password or token (or set {PasswordVariable}). Never logged." };
    public Option<string?> Domain { get; } = new("--domain") { Description = "XMPP domain (default: the endpoint's host)." };
    public Option<FileInfo?> TrustCertificate { get; } = new("--trust-cert") { Description = "PEM certificate to trust for wss:// / TLS." };
    public Option<string> Media { get; } = new("--media") { Description = "synthetic, echo, or a media file path.", DefaultValueFactory = _ => "synthetic" };
    public Option<DirectoryInfo?> Record { get; } = new("--record") { Description = "Record remote participants into this directory." };
    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document for scripts." };
    public Option<FileInfo?> Config { get; } = new("--config") { Description = "Extra JSON config file (same keys as appsettings.json)." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Chat, AppId, User, Password, Domain, TrustCertificate, Media, Record, Json, Config })
        {
            command.Options.Add(option);
        }
    }

    public string? ResolvePassword(ParseResult parse) =>
        parse.GetValue(Password) is { Length: > 0 } password ? password : Environment.GetEnvironmentVariable(PasswordVariable);

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
