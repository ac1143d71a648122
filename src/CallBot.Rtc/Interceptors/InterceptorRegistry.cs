namespace CallBot.Rtc.Interceptors;

/// <summary>
/// The stages a connection can run, in chain order, by name. <see cref="PeerConnectionOptions.Interceptors"/> picks which
/// are enabled (the order is this one, whatever the configured order: later stages read what earlier ones left in the
/// batch, and stats count what all of them sent). Adding a stage: one line here plus its own file.
/// </summary>
internal static class InterceptorRegistry
{
    public const string Nack = "nack";
    public const string KeyFrame = "keyframe";
    public const string Report = "report";
    public const string Remb = "remb";
    public const string TransportCc = "transport-cc";
    public const string Pacer = "pacer";
    public const string Fec = "fec";
    public const string Stats = "stats";

    private static readonly (string Name, Func<InterceptorContext, IInterceptor> Create)[] Catalog =
    [
        (Nack, static c => new NackInterceptor(c)),
        (KeyFrame, static c => new KeyFrameInterceptor(c)),
        (Report, static c => new ReportInterceptor(c)),
        (Remb, static c => new RembInterceptor(c)),
        (TransportCc, static c => new TransportCcInterceptor(c)),
        (Pacer, static c => new PacerInterceptor(c)),

        // After the pacer: its FEC packets take sequence numbers on the producer's thread, in the media's order.
        (Fec, static c => new FecInterceptor(c)),
        (Stats, static c => new StatsInterceptor(c)),
    ];

    /// <summary>Every stage, in chain order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Catalog.Select(c => c.Name)];

    /// <summary>
    /// The stages a connection runs unless configured otherwise: all but the pacer, which stays opt-in
    /// (<c>CallBot:Media:Stages</c>): paced, a connection cost ~11 times the CPU per packet in <c>AllocationTests</c>'
    /// A/B (its 5 ms timer per connection; docs/performance.md), far above issue 15's 10 % budget per participant.
    /// Transport-cc is on: its feedback is built and parsed into reused instances, nothing per packet (<c>AllocationTests</c>).
    /// FEC is on, as Chrome negotiates RED/ULPFEC by default: in the loss table it beats the stages without it on every bot
    /// path at 5, 10 and 20 % loss (at 10 %: bot → bot 24 freezes a minute instead of 45, 99.9 % of frames instead of 98.1 %;
    /// Chromium → bot 22 instead of 58; bot → Chromium 11 instead of 28), and sends no ULPFEC for delta frames on a clean link.
    /// </summary>
    public static IReadOnlyList<string> DefaultNames { get; } = [.. Names.Where(n => n is not Pacer)];

    /// <summary>Throws <see cref="ArgumentException"/> for a name that is not a stage (checked when the connection is built).</summary>
    public static void ThrowIfInvalid(IReadOnlyList<string> enabled)
    {
        ArgumentNullException.ThrowIfNull(enabled);
        foreach (var name in enabled)
        {
            if (!Names.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"Unknown media stage '{name}'; the stages are {string.Join(", ", Names)}.", nameof(enabled));
            }
        }
    }

    /// <summary>The enabled stages of one connection, in chain order.</summary>
    public static IInterceptor[] Create(InterceptorContext context)
    {
        var enabled = context.Options.Interceptors;
        ThrowIfInvalid(enabled);
        var stages = new List<IInterceptor>(Catalog.Length);
        foreach (var (name, create) in Catalog)
        {
            if (enabled.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                stages.Add(create(context));
            }
        }

        return [.. stages];
    }
}
