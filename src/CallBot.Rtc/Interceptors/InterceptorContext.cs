namespace CallBot.Rtc.Interceptors;

/// <summary>What a stage of one connection is built with: its settings, the clock, the SSRC tables and the event queue.</summary>
/// <param name="Options">The connection's settings.</param>
/// <param name="Time">The connection's clock.</param>
/// <param name="Streams">Which transceiver owns an SSRC (read under the receive lock, like every stage call).</param>
/// <param name="Post">Raises an application event on the connection's event pump, outside every lock.</param>
/// <param name="CName">The RTCP CNAME of the connection.</param>
/// <param name="RequestRtcp">
/// Asks for the writer chain to run once more as soon as the receive lock is released, ahead of the next 20 ms tick (the
/// nack stage's first NACK for a new gap). Receive lock held; allocates nothing. Null: nothing runs early (stage tests).
/// </param>
/// <param name="TransportRoundTrip">
/// The round trip ICE measured on the selected pair (its checks and consent checks), or null before one: what a
/// connection that sends no media (so gets no report blocks, hence no RTCP round trip) has. Any thread; allocates nothing.
/// Null: none (stage tests).
/// </param>
internal sealed record InterceptorContext(
    PeerConnectionOptions Options,
    TimeProvider Time,
    RtpDemux Streams,
    Action<Action> Post,
    string CName,
    Action? RequestRtcp = null,
    Func<TimeSpan?>? TransportRoundTrip = null);
