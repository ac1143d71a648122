using System.ComponentModel.DataAnnotations;

namespace CallBot.Worker.Options;

/// <summary>Call limits. Section <c>CallBot:Concurrency</c>.</summary>
public sealed class ConcurrencyOptions
{
    public const string Section = "CallBot:Concurrency";

    /// <summary>Concurrent calls per bot; a further incoming call is rejected as busy.</summary>
    [Range(1, 64)]
    public int CallsPerBot { get; set; } = 1;

    /// <summary>Concurrent calls per process.</summary>
    [Range(1, 100_000)]
    public int CallsPerProcess { get; set; } = 1_000;
}
