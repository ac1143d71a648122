using System.Globalization;

namespace CallBot.Load.Scenario;

/// <summary>
/// The errors of one scenario check, each with its YAML path and line, and the value checks every rule set shares
/// (durations, shares). The loader and its rule classes (<see cref="GroupRules"/>, <see cref="ThresholdRules"/>) add to one.
/// </summary>
internal sealed class ScenarioErrors(YamlLineMap lines)
{
    public List<ScenarioError> Errors { get; } = [];

    public int Count => Errors.Count;

    public void Add(string path, string message) => Errors.Add(new ScenarioError(path, lines.LineOf(path), message));

    public TimeSpan Duration(string at, string? text, bool positive)
    {
        if (!DurationText.TryParse(text, out var value))
        {
            Add(at, $"'{text}' is not a duration like 500ms, 30s, 2m, 1h");
            return TimeSpan.Zero;
        }

        if (positive && value <= TimeSpan.Zero)
        {
            Add(at, "must be longer than 0");
        }

        return value;
    }

    public void Share(string at, double value)
    {
        if (value is < 0 or > 1 || double.IsNaN(value))
        {
            Add(at, $"{value.ToString(CultureInfo.InvariantCulture)} must be a share between 0 and 1");
        }
    }

    public void NonNegative(string at, double value)
    {
        if (value < 0 || !double.IsFinite(value))
        {
            Add(at, $"{value.ToString(CultureInfo.InvariantCulture)} must be 0 or more");
        }
    }
}
