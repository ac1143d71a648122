using System.ComponentModel.DataAnnotations;

namespace CallBot.Worker.Cloud;

public enum CloudPreset
{
    /// <summary>Nothing is filled in: every endpoint comes from its own key.</summary>
    None,

    /// <summary>The ConnectyCube cloud as the JS SDK's <c>config.ts</c> defaults describe it (API, chat, ICE servers).</summary>
    ConnectyCube,
}

/// <summary>
/// The ConnectyCube REST API (sessions, users, push events). Section <c>CallBot:Cloud</c>. The application id is
/// <c>CallBot:Chat:AppId</c>, the same one the chat JIDs carry.
/// </summary>
public sealed class CloudOptions
{
    public const string Section = "CallBot:Cloud";

    /// <summary>Fills API/chat endpoints, domain and ICE servers (each key still overridable); see <see cref="CloudPresets"/>.</summary>
    public CloudPreset Preset { get; set; } = CloudPreset.None;

    /// <summary>
    /// Base URL of the REST API, the SDK's <c>endpoints.api_url</c> (<c>https://api.connectycube.com</c>); empty = no REST
    /// (bots log into chat with their password as before). <c>http://</c> only for loopback hosts.
    /// </summary>
    public string? ApiEndpoint { get; set; }

    /// <summary>The application's authorization key (<c>auth_key</c> of a session request). Never logged.</summary>
    public string? AuthKey { get; set; }

    /// <summary>How long one REST attempt may take (the resilience pipeline retries transient failures up to 3 times).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A session token unused this long is treated as expired and renewed before its next use (ConnectyCube expires
    /// sessions after 2 h without requests). A token the server refuses earlier is renewed too.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(110);

    /// <summary>True when REST calls can be made: an API endpoint and an auth key.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ApiEndpoint) && !string.IsNullOrEmpty(AuthKey);
}
