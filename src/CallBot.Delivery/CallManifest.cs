using System.Globalization;
using System.Text.Json.Nodes;
using CallBot.Delivery.Upload;
using CallBot.Recording;

namespace CallBot.Delivery;

/// <summary>
/// The per-call manifest (JSON): participants with status, duration, codecs and start offsets (from the sidecar), and
/// every file with size, sha256 and where it was uploaded. Uploaded next to the files and carried in <c>call.ended</c>.
/// </summary>
public static class CallManifest
{
    public const int SchemaVersion = 1;

    public static JsonObject Build(CallUpload call, string? bucket)
    {
        ArgumentNullException.ThrowIfNull(call);
        var sidecar = call.Sidecar;
        var participants = new JsonArray();
        foreach (var p in sidecar.Participants)
        {
            participants.Add(new JsonObject
            {
                ["userId"] = p.UserId,
                ["status"] = p.Status.ToString(),
                ["error"] = p.Error,
                ["startedAt"] = Iso(p.StartedAtUtc),
                ["endedAt"] = p.EndedAtUtc is { } e ? Iso(e) : null,
                ["durationMs"] = p.DurationMs,
                ["audioOnly"] = p.AudioOnly,
                ["audio"] = Stream(p.Audio),
                ["video"] = Stream(p.Video),
                ["files"] = Files(call.Files.Where(f => f.UserId == p.UserId)),
            });
        }

        return new JsonObject
        {
            ["schemaVersion"] = SchemaVersion,
            ["sessionId"] = sidecar.SessionId,
            ["startedAt"] = Iso(sidecar.StartedAtUtc),
            ["endedAt"] = sidecar.EndedAtUtc is { } ended ? Iso(ended) : null,
            ["finalizeStatus"] = sidecar.FinalizeStatus,
            ["bucket"] = bucket,
            ["manifestKey"] = call.ManifestKey.Length > 0 ? call.ManifestKey : null,
            ["participants"] = participants,
            ["files"] = Files(call.Files),
        };
    }

    private static JsonArray Files(IEnumerable<FileUpload> files)
    {
        var array = new JsonArray();
        foreach (var f in files)
        {
            array.Add(new JsonObject
            {
                ["kind"] = f.Kind,
                ["userId"] = f.UserId,
                ["file"] = f.File,
                ["size"] = f.Size,
                ["sha256"] = f.Sha256,
                ["key"] = f.Key.Length > 0 ? f.Key : null,
                ["location"] = f.Location,
                ["uploaded"] = f.Uploaded,
                ["missing"] = f.Missing ? true : null,
            });
        }

        return array;
    }

    private static JsonObject? Stream(StreamStats? stats) => stats is null ? null : new JsonObject
    {
        ["codec"] = stats.Codec,
        ["startOffsetMs"] = stats.StartOffsetMs,
        ["framesWritten"] = stats.FramesWritten,
        ["syncedBySenderReports"] = stats.SyncedBySenderReports,
    };

    private static string Iso(DateTimeOffset t) => t.ToString("o", CultureInfo.InvariantCulture);
}
