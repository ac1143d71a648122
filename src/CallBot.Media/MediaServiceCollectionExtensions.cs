using CallBot.Media.Clips;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Pacing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Media;

/// <summary>Registers the media pipeline: one FFmpeg runner, one clip cache and one media clock per process.</summary>
public static class MediaServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="FfmpegRunner"/>, <see cref="ClipEncoder"/>, <see cref="ClipCache"/> and <see cref="MediaClock"/> as
    /// singletons. Options come from <c>IOptions&lt;FfmpegOptions&gt;</c>, <c>IOptions&lt;ClipCacheOptions&gt;</c> and
    /// <c>IOptions&lt;MediaClockOptions&gt;</c> (bind them with <c>services.Configure&lt;T&gt;(section)</c>); the clock uses the
    /// registered <see cref="TimeProvider"/> or <see cref="TimeProvider.System"/>.
    /// </summary>
    public static IServiceCollection AddCallBotMedia(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new FfmpegRunner(sp.GetRequiredService<IOptions<FfmpegOptions>>().Value));
        services.TryAddSingleton(sp => new ClipEncoder(sp.GetRequiredService<FfmpegRunner>()));
        services.TryAddSingleton(sp => new ClipCache(
            sp.GetRequiredService<ClipEncoder>(),
            sp.GetRequiredService<IOptions<ClipCacheOptions>>().Value,
            sp.GetService<ILogger<ClipCache>>()));
        services.TryAddSingleton(sp => new MediaClock(
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<MediaClockOptions>>().Value));
        return services;
    }
}
