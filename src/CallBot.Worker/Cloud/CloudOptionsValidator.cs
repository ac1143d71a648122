using CallBot.Worker.Options;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Cloud;

/// <summary>Start-time checks of <c>CallBot:Cloud</c>, and the rule across sections: a bot with a <c>Login</c> needs the REST API.</summary>
internal sealed class CloudOptionsValidator(IOptions<FleetOptions> fleet) : IValidateOptions<CloudOptions>
{
    public ValidateOptionsResult Validate(string? name, CloudOptions options)
    {
        var errors = CallBotOptionsValidator.Annotations(CloudOptions.Section, options);
        if (!string.IsNullOrWhiteSpace(options.ApiEndpoint))
        {
            if (!Uri.TryCreate(options.ApiEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            {
                errors.Add($"{CloudOptions.Section}:ApiEndpoint: '{options.ApiEndpoint}' is not an https:// URL.");
            }
            else if (uri.Scheme == "http" && !uri.IsLoopback)
            {
                // The auth key, passwords and tokens travel in every request.
                errors.Add($"{CloudOptions.Section}:ApiEndpoint: http:// is allowed only for loopback hosts; use https://.");
            }
        }

        var bots = Bots(fleet);
        for (var i = 0; i < bots.Count; i++)
        {
            if (!string.IsNullOrEmpty(bots[i].Login) && !options.IsConfigured)
            {
                errors.Add($"{FleetOptions.Section}:Bots:{i}:Login: a REST login needs {CloudOptions.Section}:ApiEndpoint and {CloudOptions.Section}:AuthKey.");
            }
        }

        return CallBotOptionsValidator.Result(errors);
    }

    /// <summary>
    /// The configured bots, or none when <c>CallBot:Bots</c> is itself invalid: its own validator reports that, and a
    /// second, nested failure here would turn the host's one clear error into an aggregate of two.
    /// </summary>
    internal static IReadOnlyList<BotOptions> Bots(IOptions<FleetOptions> fleet)
    {
        try
        {
            return fleet.Value.Bots;
        }
        catch (OptionsValidationException)
        {
            return [];
        }
    }
}

/// <summary>
/// Start-time checks of <c>CallBot:Push</c>: push needs the REST API and a login on every calling bot. A class of its
/// own because it reads <c>CallBot:Cloud</c>, whose validator must not depend on itself.
/// </summary>
internal sealed class PushOptionsValidator(IOptions<FleetOptions> fleet, IOptions<CloudOptions> cloud) : IValidateOptions<PushOptions>
{
    public ValidateOptionsResult Validate(string? name, PushOptions options)
    {
        var errors = CallBotOptionsValidator.Annotations(PushOptions.Section, options);
        if (options.Enabled)
        {
            if (!CloudConfigured())
            {
                errors.Add($"{PushOptions.Section}:Enabled: push needs {CloudOptions.Section}:ApiEndpoint and {CloudOptions.Section}:AuthKey.");
            }

            var bots = CloudOptionsValidator.Bots(fleet);
            for (var i = 0; i < bots.Count; i++)
            {
                if (bots[i].Role == BotRole.Call && string.IsNullOrEmpty(bots[i].Login))
                {
                    errors.Add($"{FleetOptions.Section}:Bots:{i}:Login: a calling bot needs a REST login to send push events ({PushOptions.Section}:Enabled).");
                }
            }
        }

        return CallBotOptionsValidator.Result(errors);
    }

    /// <summary>An invalid <c>CallBot:Cloud</c> is reported by its own validator; push does not report it a second time.</summary>
    private bool CloudConfigured()
    {
        try
        {
            return cloud.Value.IsConfigured;
        }
        catch (OptionsValidationException)
        {
            return true;
        }
    }
}
