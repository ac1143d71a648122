using System.Globalization;

namespace CallBot.Load.Scenario;

/// <summary>k6-style durations: a sequence of number+unit parts, units ms, s, m, h (e.g. <c>500ms</c>, <c>1m30s</c>, <c>2h</c>).</summary>
public static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.AsSpan().Trim();
        var total = 0.0;
        while (!s.IsEmpty)
        {
            var digits = 0;
            while (digits < s.Length && (char.IsAsciiDigit(s[digits]) || s[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !double.TryParse(s[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            s = s[digits..];
            var unit = 0;
            while (unit < s.Length && char.IsAsciiLetter(s[unit]))
            {
                unit++;
            }

            double? millis = s[..unit] switch
            {
                "ms" => number,
                "s" => number * 1000,
                "m" => number * 60_000,
                "h" => number * 3_600_000,
                _ => null,
            };
            if (millis is null)
            {
                return false;
            }

            total += millis.Value;
            s = s[unit..];
        }

        if (total > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(total);
        return true;
    }

    /// <summary>Parses text the validator already accepted.</summary>
    public static TimeSpan Parse(string? text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not a duration like 500ms, 30s, 2m, 1h.");

    public static string Format(TimeSpan value) =>
        value.TotalMilliseconds % 1000 != 0
            ? value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms"
            : value.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + "s";
}
