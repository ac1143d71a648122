using System.Text.Json;

namespace CallBot.Load.Reports;

/// <summary>Reads and writes report.json (System.Text.Json source generation; no reflection).</summary>
public static class LoadReportJson
{
    public static string Serialize(LoadReport report) => JsonSerializer.Serialize(report, LoadReportJsonContext.Default.LoadReport);

    public static LoadReport Deserialize(string json)
    {
        var report = JsonSerializer.Deserialize(json, LoadReportJsonContext.Default.LoadReport)
            ?? throw new InvalidDataException("report.json is empty");
        if (report.Schema != LoadReport.CurrentSchema)
        {
            throw new InvalidDataException($"report schema {report.Schema} is not {LoadReport.CurrentSchema}");
        }

        return report;
    }

    public static async Task WriteAsync(LoadReport report, string path, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        await File.WriteAllTextAsync(path, Serialize(report), cancellationToken);
    }

    public static async Task<LoadReport> ReadAsync(string path, CancellationToken cancellationToken = default) =>
        Deserialize(await File.ReadAllTextAsync(path, cancellationToken));
}
