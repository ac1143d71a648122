using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Options;

public static class OptionsRegistration
{
    /// <summary>Binds every CallBot section and validates it when the host starts.</summary>
    public static IServiceCollection AddCallBotOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<CallBotOptionsValidator>();
        Add<ChatOptions>(services, configuration, ChatOptions.Section);
        Add<VideoChatOptions>(services, configuration, VideoChatOptions.Section);
        Add<IceRestartOptions>(services, configuration, IceRestartOptions.Section);
        Add<FleetOptions>(services, configuration, FleetOptions.Section);
        Add<AnswerPolicyOptions>(services, configuration, AnswerPolicyOptions.Section);
        Add<OutboundCallOptions>(services, configuration, OutboundCallOptions.Section);
        Add<ConcurrencyOptions>(services, configuration, ConcurrencyOptions.Section);
        Add<MediaOptions>(services, configuration, MediaOptions.Section);
        Add<RecordingOptions>(services, configuration, RecordingOptions.Section);
        Add<TelemetryOptions>(services, configuration, TelemetryOptions.Section);
        Add<RtcOptions>(services, configuration, RtcOptions.Section);
        services.AddOptions<Cloud.CloudOptions>().Bind(configuration.GetSection(Cloud.CloudOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Cloud.CloudOptions>, Cloud.CloudOptionsValidator>();
        services.AddOptions<Cloud.PushOptions>().Bind(configuration.GetSection(Cloud.PushOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Cloud.PushOptions>, Cloud.PushOptionsValidator>();
        return services;
    }

    private static void Add<T>(IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(sp => (IValidateOptions<T>)(object)sp.GetRequiredService<CallBotOptionsValidator>());
    }
}
