using System.Globalization;
using CallBot.Load.Reports;
using Spectre.Console;

namespace CallBot.Load.Progress;

/// <summary>A live Spectre.Console table (active calls, rates, setup percentiles) redrawn in place on a terminal.</summary>
public sealed class SpectreLoadProgress(IAnsiConsole console) : ILoadProgress
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<LiveDisplayContext> _context = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _live = Task.CompletedTask;
    private string _title = "";

    /// <summary>Spectre when the console is an interactive terminal, plain lines otherwise.</summary>
    public static ILoadProgress ForConsole(IAnsiConsole? console = null, TextWriter? plain = null)
    {
        var c = console ?? AnsiConsole.Console;
        return c.Profile.Capabilities.Interactive && !Console.IsOutputRedirected
            ? new SpectreLoadProgress(c)
            : new PlainLoadProgress(plain ?? Console.Out);
    }

    public void Start(string title)
    {
        _title = title;
        _live = console.Live(Render(null)).AutoClear(false).StartAsync(async context =>
        {
            _context.TrySetResult(context);
            await _done.Task;
        });
    }

    public void Update(LoadProgressSnapshot snapshot)
    {
        if (_context.Task.IsCompletedSuccessfully)
        {
            var context = _context.Task.Result;
            context.UpdateTarget(Render(snapshot));
            context.Refresh();
        }
    }

    public async Task CompleteAsync(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        _done.TrySetResult();
        await _live;
        var table = new Table().Title("thresholds").AddColumn("metric").AddColumn("condition").AddColumn("actual").AddColumn("result");
        foreach (var t in report.Thresholds)
        {
            table.AddRow(
                Markup.Escape(t.Metric),
                Markup.Escape(t.Expression),
                t.Actual is { } a ? a.ToString("0.####", CultureInfo.InvariantCulture) : "no samples",
                t.Passed ? "[green]pass[/]" : "[red]BREACHED[/]");
        }

        console.Write(table);
        foreach (var line in LoadSummary.Lines(report))
        {
            console.WriteLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _done.TrySetResult();
        await _live;
    }

    private Table Render(LoadProgressSnapshot? s)
    {
        var table = new Table().Title(Markup.Escape(_title)).AddColumn("elapsed").AddColumn("active").AddColumn("started").AddColumn("finished").AddColumn("ok").AddColumn("calls/s").AddColumn("setup p50").AddColumn("p95").AddColumn("p99");
        if (s is not null)
        {
            table.AddRow(
                F($"{s.Elapsed.TotalSeconds:0}s / {s.Planned.TotalSeconds:0}s"),
                F($"{s.ActiveCalls}"),
                F($"{s.Started}"),
                F($"{s.Finished}"),
                F($"{s.Succeeded}"),
                F($"{s.CallsPerSecond:0.00}"),
                Ms(s.SetupP50Ms),
                Ms(s.SetupP95Ms),
                Ms(s.SetupP99Ms));
        }

        return table;
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double v) => double.IsNaN(v) ? "-" : v.ToString("0", CultureInfo.InvariantCulture) + " ms";
}
