using System.Globalization;
using System.Text;

namespace CallBot.Delivery.Upload;

/// <summary>
/// Object keys from <see cref="UploadOptions.KeyTemplate"/>. Session and user ids come from the remote side: every
/// placeholder value is reduced to [A-Za-z0-9._-] (others become '_', at most 128 characters, never "." or "..").
/// </summary>
public static class ObjectKeys
{
    public const string CallUserId = "call";

    public static string Build(string template, DateTimeOffset callStartedUtc, string sessionId, string? userId, string fileName)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template
            .Replace("{date}", callStartedUtc.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{sessionId}", Safe(sessionId), StringComparison.Ordinal)
            .Replace("{userId}", Safe(userId ?? CallUserId), StringComparison.Ordinal)
            .Replace("{fileName}", Safe(fileName), StringComparison.Ordinal)
            .TrimStart('/');
    }

    internal static string Safe(string value)
    {
        var builder = new StringBuilder(Math.Min(value.Length, 128));
        foreach (var c in value.AsSpan(0, Math.Min(value.Length, 128)))
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        }

        var safe = builder.ToString();
        return safe is "" or "." or ".." ? "_" : safe;
    }
}
