using CallBot.Rtc.Diagnostics;

namespace CallBot.Rtc.Srtp;

/// <summary>Drop counts per <see cref="SrtpDropReason"/> (<see cref="SrtpDropReason.None"/> is never counted). Lock-free.</summary>
public sealed class SrtpDropCounters : EnumCounters<SrtpDropReason>
{
}
