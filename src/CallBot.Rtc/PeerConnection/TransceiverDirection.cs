using CallBot.Rtc.Sdp;

namespace CallBot.Rtc;

/// <summary>RTCRtpTransceiverDirection, from our point of view.</summary>
public enum TransceiverDirection
{
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

internal static class TransceiverDirectionExtensions
{
    public static SdpDirection ToSdp(this TransceiverDirection direction) => direction switch
    {
        TransceiverDirection.SendRecv => SdpDirection.SendRecv,
        TransceiverDirection.SendOnly => SdpDirection.SendOnly,
        TransceiverDirection.RecvOnly => SdpDirection.RecvOnly,
        _ => SdpDirection.Inactive,
    };

    public static TransceiverDirection FromSdp(SdpDirection direction) => direction switch
    {
        SdpDirection.SendRecv => TransceiverDirection.SendRecv,
        SdpDirection.SendOnly => TransceiverDirection.SendOnly,
        SdpDirection.RecvOnly => TransceiverDirection.RecvOnly,
        _ => TransceiverDirection.Inactive,
    };

    public static bool CanSend(this TransceiverDirection direction) => direction is TransceiverDirection.SendRecv or TransceiverDirection.SendOnly;

    public static bool CanReceive(this TransceiverDirection direction) => direction is TransceiverDirection.SendRecv or TransceiverDirection.RecvOnly;
}
