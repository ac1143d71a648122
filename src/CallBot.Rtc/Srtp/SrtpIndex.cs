namespace CallBot.Rtc.Srtp;

/// <summary>
/// Packet index estimation of RFC 3711 §3.3.1 and Appendix A: the 48-bit index i = 2^16 * ROC + SEQ is
/// guessed from the 16-bit SEQ of a packet and the highest sequence number s_l seen so far.
/// </summary>
public static class SrtpIndex
{
    private const int HalfRange = 32768;

    /// <summary>
    /// Guesses the ROC v of a packet with sequence number <paramref name="sequenceNumber"/>:
    /// <code>
    ///   if s_l &lt; 2^15:  v = (SEQ - s_l &gt; 2^15) ? ROC - 1 : ROC
    ///   else:            v = (s_l - 2^15 &gt; SEQ) ? ROC + 1 : ROC
    /// </code>
    /// A packet from "before" ROC 0 is taken as ROC 0 (its index is then behind the window or fails auth).
    /// </summary>
    public static uint EstimateRoc(uint roc, ushort highestSequence, ushort sequenceNumber)
    {
        if (highestSequence < HalfRange)
        {
            return sequenceNumber - highestSequence > HalfRange && roc > 0 ? roc - 1 : roc;
        }

        return highestSequence - HalfRange > sequenceNumber ? roc + 1 : roc;
    }

    public static ulong Compose(uint roc, ushort sequenceNumber) => ((ulong)roc << 16) | sequenceNumber;

    /// <summary>The state update after a packet with guessed ROC v authenticated (RFC 3711 §3.3.1).</summary>
    public static void Update(ref uint roc, ref ushort highestSequence, uint guessedRoc, ushort sequenceNumber)
    {
        if (guessedRoc > roc)
        {
            roc = guessedRoc;
            highestSequence = sequenceNumber;
        }
        else if (guessedRoc == roc && sequenceNumber > highestSequence)
        {
            highestSequence = sequenceNumber;
        }
    }
}
