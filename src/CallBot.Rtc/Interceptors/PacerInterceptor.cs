using CallBot.Rtc.Bwe;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// Paces video (<see cref="PacketPacer"/>) at <see cref="TransportCcOptions.PacingFactor"/> × the video streams' summed
/// <see cref="RtpTransceiver.TargetBitrateKbps"/> (the transport-cc estimate, REMB or maxBandwidth; none = not paced).
/// Its writer wrapper is outside the transport-cc one (later in the registry), so a packet is stamped when it really
/// leaves. Audio streams keep their writer: audio never waits behind video.
/// </summary>
internal sealed class PacerInterceptor : Interceptor, IDisposable
{
    private readonly PacketPacer _pacer;
    private volatile RtpTransceiver[] _video = [];

    public PacerInterceptor(InterceptorContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Options.TransportCc.Validate();
        _pacer = new PacketPacer(context.Options.TransportCc, context.Time, VideoTargetKbps);
    }

    public override string Name => InterceptorRegistry.Pacer;

    internal PacketPacer Pacer => _pacer;

    public override RtpPacketHandler BindLocalStream(RtpTransceiver transceiver, RtpPacketHandler writer)
    {
        if (transceiver.Kind != MediaKind.Video)
        {
            return writer;
        }

        _video = [.. _video, transceiver];
        return packet => _pacer.Send(packet, writer);
    }

    public override void UnbindLocalStream(RtpTransceiver transceiver) => _video = [.. _video.Where(t => t != transceiver)];

    public override void Close() => Dispose();

    /// <summary>Stops the pacer's timer; what still waits is dropped with the connection.</summary>
    public void Dispose() => _pacer.Dispose();

    /// <summary>The summed target of the video streams; 0 (not paced) while any of them has none.</summary>
    private int VideoTargetKbps()
    {
        var sum = 0;
        foreach (var transceiver in _video)
        {
            var target = transceiver.TargetBitrateKbps;
            if (target <= 0)
            {
                return 0;
            }

            sum += target;
        }

        return sum;
    }
}
