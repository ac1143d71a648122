namespace CallBot.Rtc.Srtp;

/// <summary>Per-SSRC state of one direction: ROC, highest sequence, SRTCP index and replay windows.</summary>
internal sealed class SrtpStreamState
{
    public SrtpStreamState(int replayWindowSize)
    {
        RtpWindow = new ReplayWindow(replayWindowSize);
        RtcpWindow = new ReplayWindow(replayWindowSize);
    }

    public bool HasRtp { get; set; }
    public uint Roc;
    public ushort HighestSequence;

    /// <summary>Next SRTCP index to send (31 bits).</summary>
    public uint NextSrtcpIndex { get; set; }

    public ReplayWindow RtpWindow { get; }
    public ReplayWindow RtcpWindow { get; }

    public void Reset()
    {
        HasRtp = false;
        Roc = 0;
        HighestSequence = 0;
        NextSrtcpIndex = 0;
        RtpWindow.Reset();
        RtcpWindow.Reset();
    }
}
