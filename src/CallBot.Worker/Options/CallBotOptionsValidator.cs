using System.ComponentModel.DataAnnotations;
using CallBot.Rtc;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Options;

/// <summary>
/// Validates every options section at start and names the configuration key of each failure
/// (<c>CallBot:Chat:Endpoint: …</c>), so a bad config fails the host at boot with a message a person can act on.
/// </summary>
internal sealed class CallBotOptionsValidator :
    IValidateOptions<ChatOptions>,
    IValidateOptions<VideoChatOptions>,
    IValidateOptions<IceRestartOptions>,
    IValidateOptions<FleetOptions>,
    IValidateOptions<AnswerPolicyOptions>,
    IValidateOptions<OutboundCallOptions>,
    IValidateOptions<ConcurrencyOptions>,
    IValidateOptions<MediaOptions>,
    IValidateOptions<RecordingOptions>,
    IValidateOptions<TelemetryOptions>,
    IValidateOptions<RtcOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatOptions options)
    {
        var errors = Annotations(ChatOptions.Section, options);
        if (!string.IsNullOrEmpty(options.Endpoint))
        {
            if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss" or "tcp"))
            {
                errors.Add($"{ChatOptions.Section}:Endpoint: '{options.Endpoint}' is not a ws://, wss:// or tcp://host:port URL.");
            }
            else if (uri.Scheme == "tcp" && uri.IsDefaultPort)
            {
                errors.Add($"{ChatOptions.Section}:Endpoint: a tcp:// endpoint needs a port (e.g. tcp://chat.example:5222).");
            }
            else if (!options.IsEncryptedOrLoopback(uri) && !options.AllowUnencrypted)
            {
                errors.Add($"{ChatOptions.Section}:Endpoint: '{uri.Scheme}://{uri.Host}' is not encrypted and not loopback; SDP fingerprints would travel in clear. "
                    + $"Use wss:// or TLS, or set {ChatOptions.Section}:AllowUnencrypted=true.");
            }
        }

        if (options.TrustedCertificateFile is { Length: > 0 } file && !File.Exists(file))
        {
            errors.Add($"{ChatOptions.Section}:TrustedCertificateFile: '{file}' does not exist.");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, VideoChatOptions options)
    {
        var errors = Annotations(VideoChatOptions.Section, options);
        if (options.DialingTimeInterval >= options.AnswerTimeInterval)
        {
            errors.Add($"{VideoChatOptions.Section}:DialingTimeInterval ({options.DialingTimeInterval} s) must be shorter than AnswerTimeInterval ({options.AnswerTimeInterval} s).");
        }

        if (options.TurnTrustedCaProblem() is { } caProblem)
        {
            errors.Add($"{VideoChatOptions.Section}:{nameof(VideoChatOptions.TurnTrustedCaFile)}: {caProblem}");
        }

        // The peer connection's own strict parser: a bad URL names its key (CallBot:VideoChat:IceServers:0:Urls:1), never a secret.
        var policy = options.AlwaysRelayCalls ? CallBot.Rtc.Ice.IceTransportPolicy.Relay : CallBot.Rtc.Ice.IceTransportPolicy.All;
        foreach (var problem in CallBot.Rtc.IceServerSettings.Validate(options.ToIceServerConfigs(), policy))
        {
            var key = problem.Key == CallBot.Rtc.IceServerSettings.TransportPolicyKey ? nameof(VideoChatOptions.AlwaysRelayCalls) : problem.Key;
            errors.Add($"{VideoChatOptions.Section}:{key}: {problem.Message}");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, IceRestartOptions options)
    {
        var errors = Annotations(IceRestartOptions.Section, options);
        if (options.PingTimeout >= options.AttemptTimeout)
        {
            errors.Add($"{IceRestartOptions.Section}:PingTimeout ({options.PingTimeout} s) must be shorter than AttemptTimeout ({options.AttemptTimeout} s).");
        }

        if (options.BackoffDelay > options.MaxBackoffDelay)
        {
            errors.Add($"{IceRestartOptions.Section}:BackoffDelay ({options.BackoffDelay} s) must not exceed MaxBackoffDelay ({options.MaxBackoffDelay} s).");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, FleetOptions options)
    {
        var errors = new List<string>();
        var seen = new HashSet<int>();
        for (var i = 0; i < options.Bots.Count; i++)
        {
            errors.AddRange(Annotations($"{FleetOptions.Section}:Bots:{i}", options.Bots[i]));
            if (!seen.Add(options.Bots[i].UserId))
            {
                errors.Add($"{FleetOptions.Section}:Bots:{i}:UserId: {options.Bots[i].UserId} appears more than once.");
            }

            if (options.Bots[i].Media is { } media)
            {
                errors.AddRange(MediaErrors($"{FleetOptions.Section}:Bots:{i}:Media", media));
            }
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, AnswerPolicyOptions options) =>
        Result(Annotations(AnswerPolicyOptions.Section, options));

    public ValidateOptionsResult Validate(string? name, OutboundCallOptions options) =>
        Result(Annotations(OutboundCallOptions.Section, options));

    public ValidateOptionsResult Validate(string? name, RtcOptions options) =>
        Result(Annotations(RtcOptions.Section, options));

    public ValidateOptionsResult Validate(string? name, ConcurrencyOptions options)
    {
        var errors = Annotations(ConcurrencyOptions.Section, options);
        if (options.CallsPerBot > options.CallsPerProcess)
        {
            errors.Add($"{ConcurrencyOptions.Section}:CallsPerBot ({options.CallsPerBot}) exceeds CallsPerProcess ({options.CallsPerProcess}).");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, MediaOptions options) =>
        Result(MediaErrors(MediaOptions.Section, options));

    public ValidateOptionsResult Validate(string? name, RecordingOptions options)
    {
        var errors = Annotations(RecordingOptions.Section, options);
        if (Path.IsPathRooted(options.FileNameTemplate) || options.FileNameTemplate.Contains("..", StringComparison.Ordinal))
        {
            errors.Add($"{RecordingOptions.Section}:FileNameTemplate: '{options.FileNameTemplate}' must be a relative path without '..'.");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var errors = Annotations(TelemetryOptions.Section, options);
        CheckHttpPrefix(errors, "HealthPrefix", options.HealthPrefix);
        CheckHttpPrefix(errors, "PrometheusPrefix", options.PrometheusPrefix);
        if (options.OtlpEndpoint is { Length: > 0 } otlp && !Uri.TryCreate(otlp, UriKind.Absolute, out _))
        {
            errors.Add($"{TelemetryOptions.Section}:OtlpEndpoint: '{otlp}' is not an absolute URL.");
        }

        return Result(errors);
    }

    private static void CheckHttpPrefix(List<string> errors, string key, string? prefix)
    {
        if (prefix is { Length: > 0 } && (!Uri.TryCreate(prefix, UriKind.Absolute, out var uri) || uri.Scheme != "http" || !prefix.EndsWith('/')))
        {
            errors.Add($"{TelemetryOptions.Section}:{key}: '{prefix}' must look like http://127.0.0.1:8080/ (ending in '/').");
        }
    }

    private static List<string> MediaErrors(string section, MediaOptions options)
    {
        var errors = Annotations(section, options);
        if (options.Source == MediaSourceKind.File)
        {
            if (string.IsNullOrWhiteSpace(options.File))
            {
                errors.Add($"{section}:File: required when Source is File.");
            }
            else if (!File.Exists(options.File))
            {
                errors.Add($"{section}:File: '{options.File}' does not exist.");
            }
        }

        foreach (var stage in options.Stages ?? [])
        {
            if (!PeerConnectionOptions.MediaStages.Contains(stage, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{section}:Stages: unknown stage '{stage}'; the stages are {string.Join(", ", PeerConnectionOptions.MediaStages)}.");
            }
        }

        return errors;
    }

    internal static List<string> Annotations(string section, object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        var errors = new List<string>(results.Count);
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty(string.Empty))
            {
                errors.Add($"{section}:{member}: {result.ErrorMessage}");
            }
        }

        return errors;
    }

    internal static ValidateOptionsResult Result(List<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
}
