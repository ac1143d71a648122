using System.Diagnostics;
using System.Diagnostics.Metrics;
using CallBot.Abstractions.Telemetry;

namespace CallBot.Worker.Telemetry;

/// <summary>
/// The one <c>CallBot</c> meter and activity source. Instruments are created once; record calls check
/// <c>Enabled</c> before building tags so an unobserved process pays nothing.
/// </summary>
public sealed class CallBotTelemetry : IDisposable
{
    public const string Name = CallBotMeter.Name;

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter _meter;
    private long _activeCalls;

    public CallBotTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(Name);
        CallsStarted = _meter.CreateCounter<long>("callbot.calls.started", "{call}", "Calls placed or received.");
        CallsAnswered = _meter.CreateCounter<long>("callbot.calls.answered", "{call}", "Calls accepted by the callee.");
        CallsRejected = _meter.CreateCounter<long>("callbot.calls.rejected", "{call}", "Calls rejected (including busy).");
        CallsNotAnswered = _meter.CreateCounter<long>("callbot.calls.not_answered", "{call}", "Calls that rang out.");
        CallsFailed = _meter.CreateCounter<long>("callbot.calls.failed", "{call}", "Calls that ended by an error.");
        _meter.CreateObservableUpDownCounter("callbot.calls.active", () => Interlocked.Read(ref _activeCalls), "{call}", "Calls in progress.");
        CallSetupTime = _meter.CreateHistogram<double>("callbot.call.setup_time", "ms", "Call sent (or received) to first remote frame.");
        IceConnectTime = _meter.CreateHistogram<double>("callbot.ice.connect_time", "ms", "Remote description applied to ICE connected.");
        DtlsHandshakeTime = _meter.CreateHistogram<double>("callbot.dtls.handshake_time", "ms", "DTLS handshake duration.");
        ChatReconnects = _meter.CreateCounter<long>("callbot.chat.reconnects", "{reconnect}", "Chat connections re-established.");
        IceRestarts = _meter.CreateCounter<long>("callbot.ice.restarts", "{attempt}", "ICE-restart pipeline attempts, by outcome (recovered, failed, timeout, cancelled) and role.");
        RtpPackets = _meter.CreateCounter<long>("callbot.rtp.packets", "{packet}", "RTP packets by direction and kind.");
        RtpBytes = _meter.CreateCounter<long>("callbot.rtp.bytes", "By", "RTP payload bytes by direction and kind.");
        RtpLost = _meter.CreateCounter<long>("callbot.rtp.lost", "{packet}", "RTP packets lost (receive side).");
        RtpJitter = _meter.CreateHistogram<double>("callbot.rtp.jitter", "ms", "Interarrival jitter samples.");
        RecordingBytes = _meter.CreateCounter<long>("callbot.recording.bytes", "By", "Bytes written to recordings.");
        RecordingErrors = _meter.CreateCounter<long>("callbot.recording.errors", "{error}", "Recordings stopped by an error.");
        InputDropped = _meter.CreateCounter<long>("callbot.input.dropped", "{item}", "Malformed or unwanted input dropped, by layer and reason.");
        CloudRequests = _meter.CreateCounter<long>("callbot.cloud.requests", "{request}", "ConnectyCube REST requests, by operation and outcome.");
        CloudSessionRenewals = _meter.CreateCounter<long>("callbot.cloud.session_renewals", "{session}", "REST session tokens renewed after expiry or refusal.");
        PushSent = _meter.CreateCounter<long>("callbot.push.sent", "{push}", "Push events sent with outgoing calls, by result.");
    }

    public Counter<long> CallsStarted { get; }
    public Counter<long> CallsAnswered { get; }
    public Counter<long> CallsRejected { get; }
    public Counter<long> CallsNotAnswered { get; }
    public Counter<long> CallsFailed { get; }
    public Histogram<double> CallSetupTime { get; }
    public Histogram<double> IceConnectTime { get; }
    public Histogram<double> DtlsHandshakeTime { get; }
    public Counter<long> ChatReconnects { get; }
    public Counter<long> IceRestarts { get; }
    public Counter<long> RtpPackets { get; }
    public Counter<long> RtpBytes { get; }
    public Counter<long> RtpLost { get; }
    public Histogram<double> RtpJitter { get; }
    public Counter<long> RecordingBytes { get; }
    public Counter<long> RecordingErrors { get; }
    public Counter<long> InputDropped { get; }
    public Counter<long> CloudRequests { get; }
    public Counter<long> CloudSessionRenewals { get; }
    public Counter<long> PushSent { get; }

    public long ActiveCalls => Interlocked.Read(ref _activeCalls);

    public void CallBegan() => Interlocked.Increment(ref _activeCalls);

    public void CallEnded() => Interlocked.Decrement(ref _activeCalls);

    public void Dropped(string layer, string reason)
    {
        if (InputDropped.Enabled)
        {
            DroppedCore(layer, reason);
        }
    }

    private void DroppedCore(string layer, string reason) =>
        InputDropped.Add(1, new KeyValuePair<string, object?>("layer", layer), new KeyValuePair<string, object?>("reason", reason));

    public void Dispose() => _meter.Dispose();
}
