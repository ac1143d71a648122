using System.Text.Json.Serialization;

namespace CallBot.Recording.Sidecar;

/// <summary>The JSON sidecar written next to a session's recordings at finalize. Paths are relative to the recordings root.</summary>
public sealed class SessionSidecar
{
    public int SchemaVersion { get; set; } = 1;
    public string SessionId { get; set; } = string.Empty;
    public DateTimeOffset StartedAtUtc { get; set; }
    public DateTimeOffset? EndedAtUtc { get; set; }

    /// <summary>"completed" (every recording completed or empty), "partial" (some failed or timed out), "failed" (none usable).</summary>
    public string FinalizeStatus { get; set; } = string.Empty;

    public List<ParticipantRecordingInfo> Participants { get; set; } = [];
    public string? CompositeFile { get; set; }
    public string? CompositeError { get; set; }
}

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SessionSidecar))]
public sealed partial class SidecarJsonContext : JsonSerializerContext;
