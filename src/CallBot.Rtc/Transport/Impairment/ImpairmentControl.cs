namespace CallBot.Rtc.Transport;

/// <summary>
/// The impairment of a set of sockets that may change while they live (a load group's timeline: clean, then 10 % loss,
/// then clean). Sockets bound through an <see cref="ImpairedSocketFactory"/> built on a control compare its
/// <see cref="Version"/> on each datagram (one volatile read) and rebuild their decisions when it moved.
/// </summary>
/// <remarks>
/// What a change does, as a real link would: datagrams already queued keep their due times (they are on the wire); a
/// direction that kept order (<see cref="LinkImpairment.JitterKeepsOrder"/>) still does across the change, so a shorter
/// delay drains behind the queue rather than overtaking it; the bandwidth shaper and the random sequence start afresh.
/// </remarks>
public sealed class ImpairmentControl(ImpairmentProfile initial)
{
    private ImpairmentProfile _profile = initial ?? throw new ArgumentNullException(nameof(initial));
    private int _version;

    public ImpairmentProfile Profile => Volatile.Read(ref _profile);

    /// <summary>Moves by one on each <see cref="Set"/>; sockets keep the version they applied.</summary>
    public int Version => Volatile.Read(ref _version);

    public void Set(ImpairmentProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        Volatile.Write(ref _profile, profile);
        Interlocked.Increment(ref _version);
    }
}
