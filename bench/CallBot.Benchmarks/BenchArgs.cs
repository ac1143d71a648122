using System.Globalization;
using System.Text;

namespace CallBot.Benchmarks;

/// <summary>
/// The one command-line parser of the bench modes (<c>setup</c>, <c>impaired-setup</c>, <c>loss-table</c>,
/// <c>bandwidth-step</c>, <c>idle-connections</c>): a mode declares each flag once — name, value, help, range — and
/// gets the same behaviour as every other mode: an unknown flag, a missing value or one that does not parse or is out
/// of range stops the run with a message naming the mode and the flag (exit code 2), and <c>--help</c> prints the
/// mode's own text (exit code 0). Numbers are read with the invariant culture, as the scripts write them.
/// </summary>
internal sealed class BenchArgs
{
    private const int ExitUsage = 2;

    private readonly string _mode;
    private readonly string _summary;
    private readonly List<Flag> _flags = [];

    /// <param name="mode">The mode's command word (what follows <c>dotnet run … --</c>).</param>
    /// <param name="summary">One or two lines for <c>--help</c>: what the mode measures.</param>
    public BenchArgs(string mode, string summary)
    {
        _mode = mode;
        _summary = summary;
    }

    /// <summary>A whole number, at least <paramref name="min"/>.</summary>
    public BenchArgs Int(string name, string value, string help, Action<int> set, int min = int.MinValue) =>
        Add(name, value, help, text =>
        {
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
            {
                return $"wants a whole number, not '{text}'";
            }

            if (number < min)
            {
                return $"wants a number of at least {min}, not {number}";
            }

            set(number);
            return null;
        });

    /// <summary>A number within <paramref name="min"/>..<paramref name="max"/>.</summary>
    public BenchArgs Double(string name, string value, string help, Action<double> set, double min = double.MinValue, double max = double.MaxValue) =>
        Add(name, value, help, text =>
        {
            var error = ParseDouble(text, min, max, out var number);
            if (error is null)
            {
                set(number);
            }

            return error;
        });

    /// <summary>Comma-separated numbers, each within <paramref name="min"/>..<paramref name="max"/>; at least one.</summary>
    public BenchArgs DoubleList(string name, string value, string help, Action<double[]> set, double min = double.MinValue, double max = double.MaxValue) =>
        Add(name, value, help, text =>
        {
            var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 0)
            {
                return "wants at least one number";
            }

            var numbers = new double[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                if (ParseDouble(parts[i], min, max, out numbers[i]) is { } error)
                {
                    return error;
                }
            }

            set(numbers);
            return null;
        });

    /// <summary>Free text (a file name, a comma-separated list the mode checks itself).</summary>
    public BenchArgs Text(string name, string value, string help, Action<string> set) =>
        Add(name, value, help, text =>
        {
            set(text);
            return null;
        });

    /// <summary>A flag without a value.</summary>
    public BenchArgs Switch(string name, string help, Action set)
    {
        _flags.Add(new Flag(name, null, help, _ =>
        {
            set();
            return null;
        }));
        return this;
    }

    /// <summary>
    /// Applies <paramref name="args"/> in order (a later flag overrides an earlier one, as the modes always did).
    /// Returns null when the mode should run, otherwise the process exit code: 0 after <c>--help</c>, 2 after an error.
    /// </summary>
    public int? Parse(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                output.Write(Help());
                return 0;
            }

            var flag = _flags.Find(f => string.Equals(f.Name, arg, StringComparison.Ordinal));
            if (flag is null)
            {
                return Reject(error, $"unknown argument '{arg}'");
            }

            string? value = null;
            if (flag.Value is not null)
            {
                if (i + 1 >= args.Count || IsFlagName(args[i + 1]))
                {
                    return Reject(error, $"{flag.Name} wants a value ({flag.Value})");
                }

                value = args[++i];
            }

            if (flag.Apply(value ?? string.Empty) is { } problem)
            {
                return Reject(error, $"{flag.Name} {problem}");
            }
        }

        return null;
    }

    /// <summary>The mode's <c>--help</c> text: usage line, summary, one line per flag.</summary>
    public string Help()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"usage: {_mode}");
        foreach (var flag in _flags)
        {
            text.Append(CultureInfo.InvariantCulture, $" [{Syntax(flag)}]");
        }

        text.AppendLine().AppendLine().AppendLine(_summary).AppendLine();
        var width = _flags.Count == 0 ? 0 : _flags.Max(f => Syntax(f).Length);
        foreach (var flag in _flags)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {Syntax(flag).PadRight(width)}  {flag.Help}").AppendLine();
        }

        text.Append(CultureInfo.InvariantCulture, $"  {"--help".PadRight(width)}  this text").AppendLine();
        return text.ToString();
    }

    private static string Syntax(Flag flag) => flag.Value is null ? flag.Name : $"{flag.Name} {flag.Value}";

    // A negative number is a value, not a flag.
    private static bool IsFlagName(string arg) => arg.StartsWith("--", StringComparison.Ordinal);

    private static string? ParseDouble(string text, double min, double max, out double number)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) || !double.IsFinite(number))
        {
            return $"wants a number, not '{text}'";
        }

        if (number < min || number > max)
        {
            return max == double.MaxValue
                ? $"wants a number of at least {min.ToString(CultureInfo.InvariantCulture)}, not {text}"
                : $"wants a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not {text}";
        }

        return null;
    }

    private BenchArgs Add(string name, string value, string help, Func<string, string?> apply)
    {
        _flags.Add(new Flag(name, value, help, apply));
        return this;
    }

    /// <summary>Stops the run over a check the mode makes itself across flags (exit code 2), worded like the parser's own.</summary>
    public int Reject(TextWriter error, string message)
    {
        ArgumentNullException.ThrowIfNull(error);
        error.WriteLine($"{_mode}: {message} (see: {_mode} --help)");
        return ExitUsage;
    }

    /// <param name="Apply">Takes the value (empty for a switch); returns what is wrong with it, or null.</param>
    private sealed record Flag(string Name, string? Value, string Help, Func<string, string?> Apply);
}
