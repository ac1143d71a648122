namespace CallBot.Signaling;

/// <summary>Remote text on its way into a log line: cut short, so a hostile value never lands in the log in full.</summary>
internal static class LogText
{
    /// <summary>Longest remote value written to a log line.</summary>
    public const int MaxLength = 64;

    public static string? Truncate(string? text, int max = MaxLength) =>
        text is null || text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…(", text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), " chars)");
}
