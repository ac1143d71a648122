using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace CallBot.Delivery;

/// <summary>Validates the upload and webhook sections at start; every failure names its key and never prints a secret.</summary>
public sealed class DeliveryOptionsValidator : IValidateOptions<UploadOptions>, IValidateOptions<WebhookOptions>
{
    /// <summary>HMAC keys shorter than this are guessable; the receiver shares it.</summary>
    public const int MinSecretLength = 32;

    public ValidateOptionsResult Validate(string? name, UploadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Annotations(UploadOptions.Section, options);
        if (options.Enabled)
        {
            if (string.IsNullOrEmpty(options.Bucket))
            {
                errors.Add($"{UploadOptions.Section}:Bucket: required when uploads are enabled.");
            }

            if (options.ServiceUrl.Length > 0 && (!Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            {
                errors.Add($"{UploadOptions.Section}:ServiceUrl: '{options.ServiceUrl}' is not an http(s):// URL.");
            }

            if (options.AccessKey.Length == 0 || options.SecretKey.Length == 0)
            {
                errors.Add($"{UploadOptions.Section}:AccessKey/SecretKey: both are required when uploads are enabled.");
            }

            if (!options.KeyTemplate.Contains("{fileName}", StringComparison.Ordinal))
            {
                errors.Add($"{UploadOptions.Section}:KeyTemplate: must contain {{fileName}} (else files of one call overwrite each other).");
            }
        }

        if (options.RetryBaseDelay > options.MaxRetryDelay)
        {
            errors.Add($"{UploadOptions.Section}:RetryBaseDelay must not exceed MaxRetryDelay.");
        }

        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Annotations(WebhookOptions.Section, options);
        if (options.Url.Length > 0)
        {
            if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add($"{WebhookOptions.Section}:Url: '{options.Url}' is not an http(s):// URL.");
            }

            if (options.Secret.Length < MinSecretLength)
            {
                errors.Add($"{WebhookOptions.Section}:Secret: at least {MinSecretLength} characters are required when Url is set.");
            }
        }

        if (options.RetryBaseDelay > options.MaxRetryDelay)
        {
            errors.Add($"{WebhookOptions.Section}:RetryBaseDelay must not exceed MaxRetryDelay.");
        }

        return Result(errors);
    }

    private static List<string> Annotations(string section, object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => $"{section}:{string.Join(',', r.MemberNames)}: {r.ErrorMessage}")];
    }

    private static ValidateOptionsResult Result(List<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
}
