using System.CommandLine;
using CallBot.Worker.Cloud;

namespace CallBot.Worker.Cli;

/// <summary>
/// The REST API options every command that talks to ConnectyCube's API shares (<c>users</c>, <c>call --login</c>,
/// <c>answer --login</c>), turned into <c>CallBot:Cloud</c> keys. The auth key comes from <c>--auth-key-file</c>, else
/// <see cref="AuthKeyVariable"/>, else the configuration; never from the command line (it would show in the process list).
/// </summary>
internal sealed class CloudCliOptions
{
    public const string AuthKeyVariable = "CALLBOT_AUTH_KEY";

    public Option<string?> Api { get; } = new("--api") { Description = "REST API base URL (default: CallBot:Cloud:ApiEndpoint, or the preset's)." };

    public Option<FileInfo?> AuthKeyFile { get; } = new("--auth-key-file") { Description = $"File holding the application's auth key (or set {AuthKeyVariable}). Never logged." };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Api);
        command.Options.Add(AuthKeyFile);
    }

    /// <summary>Adds the API endpoint and auth key to <paramref name="settings"/>; throws <see cref="IOException"/> when the key file cannot be read.</summary>
    public void AddSettings(ParseResult parse, Dictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(settings);
        if (parse.GetValue(Api) is { Length: > 0 } api)
        {
            settings[$"{CloudOptions.Section}:ApiEndpoint"] = api;
        }

        if (parse.GetValue(AuthKeyFile) is { } file)
        {
            settings[$"{CloudOptions.Section}:AuthKey"] = File.ReadAllText(file.FullName).Trim();
        }
        else if (Environment.GetEnvironmentVariable(AuthKeyVariable) is { Length: > 0 } key)
        {
            settings[$"{CloudOptions.Section}:AuthKey"] = key;
        }
    }

    /// <summary>What to tell a user whose command needs the REST API when it is not configured.</summary>
    /// <summary>
    /// A command's configuration keys from <paramref name="toSettings"/>; null, with the reason written, when
    /// <c>--auth-key-file</c> (read while building them) cannot be read.
    /// </summary>
    public static Dictionary<string, string?>? TryReadSettings(Func<Dictionary<string, string?>> toSettings, CliOutput output)
    {
        ArgumentNullException.ThrowIfNull(toSettings);
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            return toSettings();
        }
        catch (IOException ex)
        {
            output.Error($"--auth-key-file: {ex.Message}");
            return null;
        }
    }

    public static string NotConfigured =>
        $"The REST API is not configured: set --api (or {CloudOptions.Section}:ApiEndpoint, or {CloudOptions.Section}:Preset) and the auth key ({AuthKeyVariable}, --auth-key-file or {CloudOptions.Section}:AuthKey).";
}
