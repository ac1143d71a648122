using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Tests;

/// <summary>
/// Every <c>[LoggerMessage]</c> in src/ has an EventId of its own, inside the range docs/architecture.md gives its area,
/// so a log query by id (or a dashboard) never mixes two messages.
/// </summary>
public sealed class LoggingEventIdTests
{
    // One type from each src assembly (the Worker's assembly is named "callbot").
    private static readonly Assembly[] Assemblies =
    [
        typeof(global::CallBot.Abstractions.EncodedFrame).Assembly, typeof(global::CallBot.Signaling.ConnectyCube.CallSignal).Assembly,
        typeof(global::CallBot.Rtc.Ice.IceCounters).Assembly, typeof(global::CallBot.Media.Clips.ClipCache).Assembly, typeof(global::CallBot.Recording.RecordingSession).Assembly,
        typeof(global::CallBot.Delivery.DeliveryMetrics).Assembly, typeof(global::CallBot.Load.Metrics.MetricCatalog).Assembly, typeof(CallBotHost).Assembly,
    ];

    [Fact]
    public void Every_logger_message_has_a_unique_event_id_inside_its_areas_range()
    {
        var areas = EventIdArea.ReadTable(Path.Combine(RepoRoot, "docs", "architecture.md"));
        var messages = LoggerMessages().ToList();
        var problems = new List<string>();

        foreach (var group in messages.GroupBy(m => m.Id).Where(g => g.Count() > 1))
        {
            problems.Add($"EventId {group.Key} is used by {string.Join(", ", group.Select(m => m.Name))}");
        }

        foreach (var message in messages)
        {
            var area = areas.Find(a => a.Namespaces.Contains(message.Namespace));
            if (area is null)
            {
                problems.Add($"{message.Name}: namespace {message.Namespace} has no row in docs/architecture.md's EventId table");
            }
            else if (message.Id < area.First || message.Id > area.Last)
            {
                problems.Add($"{message.Name}: EventId {message.Id} is outside {area.Name} ({area.First}–{area.Last})");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));

        // The reflection really found the log classes (an empty scan would pass the checks above).
        Assert.Contains(messages, m => m.Name.StartsWith("XmppLog.", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Name.StartsWith("IceLog.", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Name.StartsWith("BotLog.", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Name.StartsWith("DeliveryLog.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_table_ranges_do_not_overlap()
    {
        var areas = EventIdArea.ReadTable(Path.Combine(RepoRoot, "docs", "architecture.md")).OrderBy(a => a.First).ToList();

        Assert.True(areas.Count >= 10, $"only {areas.Count} rows read from the EventId table");
        for (var i = 1; i < areas.Count; i++)
        {
            Assert.True(areas[i].First > areas[i - 1].Last, $"{areas[i - 1].Name} and {areas[i].Name} overlap");
        }
    }

    private static IEnumerable<LoggerMessageInfo> LoggerMessages()
    {
        const BindingFlags All = BindingFlags.DeclaredOnly | BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        foreach (var assembly in Assemblies)
        {
            foreach (var type in assembly.GetTypes())
            {
                foreach (var method in type.GetMethods(All))
                {
                    if (method.GetCustomAttribute<LoggerMessageAttribute>() is { } attribute)
                    {
                        var outer = type;
                        while (outer.DeclaringType is not null)
                        {
                            outer = outer.DeclaringType;
                        }

                        yield return new LoggerMessageInfo($"{type.Name}.{method.Name}", outer.Namespace ?? "", attribute.EventId);
                    }
                }
            }
        }
    }

    private static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CallBot.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("CallBot.sln not found above the test directory.");
        }
    }

    private sealed record LoggerMessageInfo(string Name, string Namespace, int Id);

    /// <summary>A row of the table under "## Logging EventIds": | area | namespaces | first–last | log classes |.</summary>
    private sealed record EventIdArea(string Name, IReadOnlyList<string> Namespaces, int First, int Last)
    {
        public static List<EventIdArea> ReadTable(string path)
        {
            var rows = new List<EventIdArea>();
            var inSection = false;
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith("## ", StringComparison.Ordinal))
                {
                    inSection = line.StartsWith("## Logging EventIds", StringComparison.Ordinal);
                    continue;
                }

                var cells = line.Split('|', StringSplitOptions.TrimEntries);
                if (!inSection || cells.Length < 6 || !cells[2].StartsWith('`'))
                {
                    continue;
                }

                var namespaces = cells[2].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(n => n.Trim('`')).ToList();
                var bounds = cells[3].Split(['–', '-'], StringSplitOptions.TrimEntries);
                rows.Add(new EventIdArea(
                    cells[1],
                    namespaces,
                    int.Parse(bounds[0], CultureInfo.InvariantCulture),
                    int.Parse(bounds[1], CultureInfo.InvariantCulture)));
            }

            return rows;
        }
    }
}
