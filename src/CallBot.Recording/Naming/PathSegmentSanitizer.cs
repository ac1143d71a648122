using System.Text;

namespace CallBot.Recording.Naming;

/// <summary>
/// Makes a remote-supplied value (session id, user id) safe to use as ONE path segment: only
/// <c>[A-Za-z0-9._-]</c> survive, no segment is made only of dots, no leading dot, no device names, length-capped.
/// </summary>
public static class PathSegmentSanitizer
{
    public const int MaxLength = 64;
    private const char Replacement = '_';

    private static readonly string[] DeviceNames =
    [
        "CON", "PRN", "AUX", "NUL",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];

    public static string Sanitize(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return Replacement.ToString();
        }

        var builder = new StringBuilder(Math.Min(value.Length, MaxLength));
        foreach (var c in value)
        {
            if (builder.Length == MaxLength)
            {
                break;
            }

            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : Replacement);
        }

        // A leading dot makes "..", "." and hidden files; replace every leading dot.
        for (var i = 0; i < builder.Length && builder[i] == '.'; i++)
        {
            builder[i] = Replacement;
        }

        var result = builder.ToString();
        var stem = result.Split('.')[0];
        foreach (var device in DeviceNames)
        {
            if (string.Equals(stem, device, StringComparison.OrdinalIgnoreCase))
            {
                return Replacement + result[..Math.Min(result.Length, MaxLength - 1)];
            }
        }

        return result;
    }
}
