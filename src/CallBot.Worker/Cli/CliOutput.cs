using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CallBot.Worker.Bots;
using Spectre.Console;

namespace CallBot.Worker.Cli;

/// <summary>
/// How a command talks to people and scripts: Spectre.Console markup and tables on a terminal, plain lines when the
/// output is redirected, one JSON document on stdout with <c>--json</c> (progress then goes to stderr).
/// </summary>
public sealed class CliOutput(bool json, TextWriter? stdout = null, TextWriter? stderr = null)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly TextWriter _out = stdout ?? Console.Out;
    private readonly TextWriter _err = stderr ?? Console.Error;

    public bool Json { get; } = json;

    /// <summary>Rich output only on a real terminal and never in JSON mode.</summary>
    public bool Rich { get; } = !json && stdout is null && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Ansi;

    public void Status(string text)
    {
        if (Rich)
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[grey]{0}[/]", Markup.Escape(text));
        }
        else if (Json)
        {
            _err.WriteLine(text);
        }
        else
        {
            _out.WriteLine(text);
        }
    }

    public void Error(string text)
    {
        if (Rich)
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[red]{0}[/]", Markup.Escape(text));
        }
        else
        {
            _err.WriteLine(text);
        }
    }

    public void WriteJson<T>(T value) => _out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    /// <summary>Prints call outcomes as a table (terminal) or one line per call (plain).</summary>
    public void Calls(IReadOnlyList<CallSummary> outcomes, IReadOnlyList<RecordingCheck>? recordings = null)
    {
        if (Json)
        {
            WriteJson(new { calls = outcomes.Select(CallJson.From), recordings });
            return;
        }

        if (Rich)
        {
            var table = new Table().Border(TableBorder.Rounded).Title("Calls");
            foreach (var column in new[] { "Bot", "Peer", "Direction", "Result", "Setup", "Frames sent", "Frames received", "Packets lost", "Duration" })
            {
                table.AddColumn(column);
            }

            foreach (var o in outcomes)
            {
                table.AddRow(
                    Cell(o.BotUserId), Cell(o.RemoteUserId), o.Direction.ToString(), o.Result == CallDisposition.Completed ? "[green]Completed[/]" : $"[yellow]{o.Result}[/]",
                    o.SetupTime is { } s ? Cell($"{s.TotalMilliseconds:0} ms") : "-", Cell(o.FramesSent), Cell(o.FramesReceived), Cell(o.PacketsLost), Cell($"{o.Duration.TotalSeconds:0.0} s"));
            }

            AnsiConsole.Write(table);
            if (recordings is { Count: > 0 })
            {
                var files = new Table().Border(TableBorder.Rounded).Title("Recordings (ffprobe)");
                foreach (var column in new[] { "File", "Duration", "Streams", "Valid" })
                {
                    files.AddColumn(column);
                }

                foreach (var r in recordings)
                {
                    files.AddRow(Markup.Escape(r.File), Cell($"{r.DurationSeconds:0.00} s"), Markup.Escape(r.Streams), r.Valid ? "[green]yes[/]" : $"[red]no: {Markup.Escape(r.Error ?? "?")}[/]");
                }

                AnsiConsole.Write(files);
            }

            return;
        }

        foreach (var o in outcomes)
        {
            _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"call bot={o.BotUserId} peer={o.RemoteUserId} direction={o.Direction} result={o.Result} setup_ms={(o.SetupTime is { } s ? s.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) : "-")} frames_sent={o.FramesSent} frames_received={o.FramesReceived} packets_lost={o.PacketsLost} duration_s={o.Duration.TotalSeconds:0.0}"));
        }

        foreach (var r in recordings ?? [])
        {
            _out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"recording file={r.File} duration_s={r.DurationSeconds:0.00} streams={r.Streams} valid={(r.Valid ? "yes" : "no")}{(r.Error is null ? "" : " error=" + r.Error)}"));
        }
    }

    private static string Cell(object value) => Markup.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
}

/// <summary>The JSON shape of one call (stable field names for scripts).</summary>
public sealed record CallJson(
    string SessionId, int Bot, int Peer, string Direction, string Result, bool Video, double? SetupMs, double DurationSeconds,
    long FramesSent, long FramesReceived, long VideoFramesReceived, long AudioFramesReceived, long PacketsLost, bool MediaFlowed,
    IReadOnlyList<string> RecordingFiles, string? Error, bool EndedByRemote)
{
    public static CallJson From(CallSummary o) => new(
        o.SessionId, o.BotUserId, o.RemoteUserId, o.Direction.ToString(), o.Result.ToString(), o.Video, o.SetupTime?.TotalMilliseconds,
        o.Duration.TotalSeconds, o.FramesSent, o.FramesReceived, o.Media.VideoFramesReceived, o.Media.AudioFramesReceived, o.PacketsLost,
        o.MediaFlowed, o.RecordingFiles, o.Error, o.EndedByRemote);
}
