namespace CallBot.Rtc.Rtcp;

public static class RoundTripTime
{
    /// <summary>
    /// RTT from a report block about our stream (RFC 3550 §6.4.1): arrival − LSR − DLSR, all in middle-32 units.
    /// False when the block carries no LSR (the peer has not received an SR yet) or the result is negative.
    /// </summary>
    public static bool TryCompute(in ReportBlock block, ulong arrivalNtp, out TimeSpan roundTrip)
    {
        roundTrip = TimeSpan.Zero;
        if (block.LastSenderReport == 0)
        {
            return false;
        }

        var rtt = (int)(NtpTime.Middle32(arrivalNtp) - block.LastSenderReport - block.DelaySinceLastSenderReport);
        if (rtt < 0)
        {
            return false;
        }

        roundTrip = NtpTime.FromShortDuration((uint)rtt);
        return true;
    }
}
