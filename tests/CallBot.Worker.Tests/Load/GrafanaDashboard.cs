using System.Text.Json;
using System.Text.RegularExpressions;

namespace CallBot.Worker.Tests.Load;

/// <summary>One PromQL expression of the dashboard: where it is, and each metric it selects with the labels it matches on.</summary>
internal sealed record DashboardQuery(string Where, string Expression, IReadOnlyList<(string Metric, IReadOnlySet<string> Labels)> Selectors);

/// <summary>Reads deploy/grafana/dashboards/callbot-load.json: every PromQL expression of every panel target and template variable.</summary>
internal static partial class GrafanaDashboard
{
    public const string RelativePath = "deploy/grafana/dashboards/callbot-load.json";

    /// <summary>PromQL words that look like metric names but are not: keywords, aggregation modifiers, set operators.</summary>
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan",
    };

    public static List<DashboardQuery> Queries(JsonDocument dashboard)
    {
        var queries = new List<DashboardQuery>();
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            var title = panel.GetProperty("title").GetString()!;
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                var expr = target.GetProperty("expr").GetString()!;
                queries.Add(new DashboardQuery($"panel '{title}' {target.GetProperty("refId").GetString()}", expr, Selectors(expr)));
            }
        }

        foreach (var variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            var expr = variable.GetProperty("query").GetProperty("query").GetString()!;
            // label_values(METRIC, LABEL): the variable's values are the LABEL values of METRIC's series.
            var match = LabelValues().Match(expr);
            Assert.True(match.Success, $"template variable {variable.GetProperty("name")}: '{expr}' is not label_values(metric, label)");
            queries.Add(new DashboardQuery($"variable ${variable.GetProperty("name").GetString()}", expr,
                [(match.Groups[1].Value, new HashSet<string>(StringComparer.Ordinal) { match.Groups[2].Value })]));
        }

        return queries;
    }

    /// <summary>
    /// The metric selectors of a PromQL expression: each identifier that is not a function (followed by '('), a keyword,
    /// a label inside {…} or by/without (…), or a number; with the label names its {…} matches on.
    /// </summary>
    public static List<(string Metric, IReadOnlySet<string> Labels)> Selectors(string expression)
    {
        // Strings and range/offset durations first (they may hold anything), then grouping clauses' label lists.
        var text = Strings().Replace(expression, "\"\"");
        text = Ranges().Replace(text, "");
        text = Grouping().Replace(text, " ");
        var selectors = new List<(string, IReadOnlySet<string>)>();
        foreach (Match m in Identifier().Matches(text))
        {
            var name = m.Groups["name"].Value;
            var rest = text.AsSpan(m.Index + m.Length).TrimStart();
            if (Keywords.Contains(name) || (rest.Length > 0 && rest[0] == '(') || IsInsideBraces(text, m.Index))
            {
                continue;
            }

            var labels = new HashSet<string>(StringComparer.Ordinal);
            if (rest.Length > 0 && rest[0] == '{')
            {
                var close = rest.IndexOf('}');
                foreach (Match label in LabelName().Matches(rest[1..close].ToString()))
                {
                    labels.Add(label.Groups[1].Value);
                }
            }

            selectors.Add((name, labels));
        }

        return selectors;
    }

    private static bool IsInsideBraces(string text, int index) => text.LastIndexOf('{', index) > text.LastIndexOf('}', index);

    [GeneratedRegex("(?<![A-Za-z0-9_:.$])(?<name>[A-Za-z_:][A-Za-z0-9_:]*)")]
    private static partial Regex Identifier();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"^label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$")]
    private static partial Regex LabelValues();
}
