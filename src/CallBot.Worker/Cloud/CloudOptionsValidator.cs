using CallBot.Worker.Options;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Cloud;

/// <summary>
/// Start-time checks of <c>CallBot:Cloud</c> and <c>CallBot:Push</c>, including the rules across sections: a bot with a
/// <c>Login</c> and push on calls both need the REST API (endpoint and auth key).
/// </summary>
internal sealed class CloudOptionsValidator(IOptions<FleetOptions> fleet, IOptions<CloudOptions> cloud) :
    IValidateOptions<CloudOptions>,
    IValidateOptions<PushOptions>
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

        var bots = fleet.Value.Bots;
        for (var i = 0; i < bots.Count; i++)
        {
            if (!string.IsNullOrEmpty(bots[i].Login) && !options.IsConfigured)
            {
                errors.Add($"{FleetOptions.Section}:Bots:{i}:Login: a REST login needs {CloudOptions.Section}:ApiEndpoint and {CloudOptions.Section}:AuthKey.");
            }
        }

        return CallBotOptionsValidator.Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, PushOptions options)
    {
        var errors = CallBotOptionsValidator.Annotations(PushOptions.Section, options);
        if (options.Enabled)
        {
            if (!cloud.Value.IsConfigured)
            {
                errors.Add($"{PushOptions.Section}:Enabled: push needs {CloudOptions.Section}:ApiEndpoint and {CloudOptions.Section}:AuthKey.");
            }

            var bots = fleet.Value.Bots;
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
}
