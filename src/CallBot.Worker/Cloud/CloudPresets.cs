using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace CallBot.Worker.Cloud;

/// <summary>
/// <c>CallBot:Cloud:Preset</c>: fills the endpoints of a known cloud as the lowest-priority configuration source, so any
/// key set anywhere else (appsettings, <c>--config</c>, environment, command line) still wins. ICE servers are a list, and
/// configuration merges lists index by index; so the preset's servers are used only when no source configures any.
/// </summary>
public static class CloudPresets
{
    /// <summary>The JS SDK's <c>config.ts</c> (6.1.2): <c>endpoints.api</c>, <c>chatProtocol.websocket</c>, <c>endpoints.chat</c>.</summary>
    public const string ConnectyCubeApi = "https://api.connectycube.com";

    public const string ConnectyCubeChat = "wss://chat.connectycube.com:5291";

    public const string ConnectyCubeDomain = "chat.connectycube.com";

    /// <summary>The SDK's default <c>videochat.iceServers</c>: Google STUN, ConnectyCube STUN, and its TURN over UDP and TCP.</summary>
    public static readonly IReadOnlyList<(string Url, string? Username, string? Credential)> ConnectyCubeIceServers =
    [
        ("stun:stun.l.google.com:19302", null, null),
        ("stun:turn.connectycube.com", null, null),
        ("turn:turn.connectycube.com:5349?transport=udp", "connectycube", "4c29501ca9207b7fb9c4b4b6b04faeb1"),
        ("turn:turn.connectycube.com:5349?transport=tcp", "connectycube", "4c29501ca9207b7fb9c4b4b6b04faeb1"),
    ];

    /// <summary>Inserts the preset named by <c>CallBot:Cloud:Preset</c> below every other source. Safe to call again.</summary>
    public static void Apply(IConfigurationBuilder builder, IConfiguration current)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(current);
        for (var i = builder.Sources.Count - 1; i >= 0; i--)
        {
            if (builder.Sources[i] is PresetSource)
            {
                builder.Sources.RemoveAt(i);
            }
        }

        var name = current[$"{CloudOptions.Section}:Preset"];
        if (!Enum.TryParse<CloudPreset>(name, ignoreCase: true, out var preset) || preset == CloudPreset.None)
        {
            return; // an unknown name is reported by the options validator, naming the key
        }

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            [$"{CloudOptions.Section}:ApiEndpoint"] = ConnectyCubeApi,
            ["CallBot:Chat:Endpoint"] = ConnectyCubeChat,
            ["CallBot:Chat:Domain"] = ConnectyCubeDomain,
        };
        if (!current.GetSection("CallBot:VideoChat:IceServers").GetChildren().Any())
        {
            for (var i = 0; i < ConnectyCubeIceServers.Count; i++)
            {
                var (url, user, credential) = ConnectyCubeIceServers[i];
                var prefix = string.Create(CultureInfo.InvariantCulture, $"CallBot:VideoChat:IceServers:{i}");
                values[$"{prefix}:Url"] = url;
                values[$"{prefix}:Username"] = user;
                values[$"{prefix}:Credential"] = credential;
            }
        }

        builder.Sources.Insert(0, new PresetSource { InitialData = values });
    }

    /// <summary>Marks the preset's source so a second <see cref="Apply"/> replaces it instead of stacking another.</summary>
    private sealed class PresetSource : MemoryConfigurationSource;
}
