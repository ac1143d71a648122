using System.Globalization;

namespace CallBot.Recording.Naming;

/// <summary>
/// Expands a file-name template such as <c>{date}/{sessionId}/{userId}-{startedAt}.webm</c> under a recordings root.
/// Placeholder values are sanitized one segment each; the result is checked with <see cref="Path.GetFullPath(string)"/>
/// to lie strictly inside the root, whatever the template or the values.
/// </summary>
public sealed class RecordingPathBuilder
{
    private readonly string _root;

    public RecordingPathBuilder(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
    }

    public string Root => _root;

    /// <summary>
    /// Builds the absolute path. <paramref name="extension"/> (with dot) replaces the template's extension.
    /// Returns false (and no path) when the template escapes the root.
    /// </summary>
    public bool TryBuild(string template, string? sessionId, string? userId, DateTimeOffset startedAt, string extension, out string fullPath)
    {
        var utc = startedAt.UtcDateTime;
        var relative = template
            .Replace("{date}", utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{startedAt}", utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{sessionId}", PathSegmentSanitizer.Sanitize(sessionId), StringComparison.Ordinal)
            .Replace("{userId}", PathSegmentSanitizer.Sanitize(userId), StringComparison.Ordinal);
        relative = Path.ChangeExtension(relative, extension);
        return TryResolve(relative, out fullPath);
    }

    /// <summary>Resolves a relative path under the root; false if it is rooted or would land outside the root.</summary>
    public bool TryResolve(string relative, out string fullPath)
    {
        fullPath = string.Empty;
        if (string.IsNullOrWhiteSpace(relative) || Path.IsPathRooted(relative))
        {
            return false;
        }

        var candidate = Path.GetFullPath(Path.Combine(_root, relative));
        if (!candidate.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return false;
        }

        fullPath = candidate;
        return true;
    }
}
