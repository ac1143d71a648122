using CallBot.Rtc.Bwe;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// The enabled stages of one connection (<see cref="InterceptorRegistry"/>) run as chains: stream binding, the RTCP
/// reader chain (incoming compound packets parsed and handed to every stage in order) and the RTCP writer chain (each
/// tick, every stage adds to one transceiver's batch in order). Every call comes with the receive lock held.
/// </summary>
internal sealed class InterceptorChain
{
    private readonly IInterceptor[] _stages;
    private readonly ReportScheduler _reports;
    private readonly RtcpBatch _batch = new();

    // Incoming transport-cc feedback is parsed into this one instance (stages see it during ReadRtcp only). Sized for
    // what a browser or our own receiver reports at once (8 KB); a peer claiming more grows it once, up to MaxStatusCount.
    private readonly TransportCc _transportCc = TransportCc.CreateReusable(TransportCcOptions.DefaultMaxPacketsPerFeedback);
    private readonly List<RtpTransceiver> _local = [];
    private readonly List<MediaReceiveStream> _remote = [];
    private long _rtcpDropped;
    private bool _closed;

    public InterceptorChain(InterceptorContext context)
        : this(context, InterceptorRegistry.Create(context))
    {
    }

    /// <summary>A chain of the given stages, in this order.</summary>
    internal InterceptorChain(InterceptorContext context, IInterceptor[] stages)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(stages);
        _stages = stages;
        _reports = new ReportScheduler(context.Time, context.Options.RtcpInterval);
        var feedback = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in _stages)
        {
            feedback.UnionWith(stage.RtcpFeedback);
        }

        RtcpFeedback = feedback;
    }

    public IReadOnlyList<IInterceptor> Stages => _stages;

    /// <summary>The rtcp-fb kinds the enabled stages use.</summary>
    public IReadOnlySet<string> RtcpFeedback { get; }

    /// <summary>Incoming RTCP packets (or trailing bytes of a compound packet) that did not parse.</summary>
    public long RtcpDropped => Interlocked.Read(ref _rtcpDropped);

    /// <summary>The non-codec payload formats (RED, ULPFEC) the enabled stages negotiate for a kind, after <paramref name="codecs"/>.</summary>
    public IEnumerable<SdpCodec> PayloadFormats(MediaKind kind, IReadOnlyList<SdpCodec> codecs)
    {
        foreach (var stage in _stages)
        {
            foreach (var format in stage.PayloadFormats(kind, codecs))
            {
                yield return format;
            }
        }
    }

    /// <summary>
    /// Receive loop, before the payload-type demux: lets each stage rewrite a packet of its own format in place (RED into
    /// the media it carries). True when <paramref name="packet"/> was rewritten (parse its header again); empty when a
    /// stage consumed it.
    /// </summary>
    public bool UnwrapRtp(RtpTransceiver transceiver, ref Span<byte> packet)
    {
        var rewritten = false;
        foreach (var stage in _stages)
        {
            if (stage.TryUnwrapRtp(transceiver, packet, out var offset, out var length))
            {
                rewritten = true;
                packet = packet.Slice(offset, length);
                if (packet.IsEmpty)
                {
                    break;
                }
            }
        }

        return rewritten;
    }

    /// <summary>Binds the sending stream once; later negotiations keep the chain it got.</summary>
    public void BindLocalStream(RtpTransceiver transceiver)
    {
        if (_closed || _local.Contains(transceiver))
        {
            return;
        }

        var send = transceiver.SendStream;
        RtpPacketHandler writer = send.SendToSession;
        foreach (var stage in _stages)
        {
            writer = stage.BindLocalStream(transceiver, writer);
        }

        send.Writer = writer;
        _local.Add(transceiver);
    }

    public void BindRemoteStream(RtpTransceiver transceiver, MediaReceiveStream stream)
    {
        if (_closed)
        {
            return;
        }

        RtpPacketReader reader = stream.Receive;
        foreach (var stage in _stages)
        {
            reader = stage.BindRemoteStream(transceiver, stream, reader);
        }

        stream.Reader = reader;
        _remote.Add(stream);
    }

    public void UnbindRemoteStream(MediaReceiveStream stream)
    {
        if (_remote.Remove(stream))
        {
            foreach (var stage in _stages)
            {
                stage.UnbindRemoteStream(stream);
            }
        }
    }

    /// <summary>An RTX packet arrived for <paramref name="stream"/> (receive loop, per packet).</summary>
    public void ReadRtx(RtpTransceiver transceiver, MediaReceiveStream stream, ReadOnlySpan<byte> packet)
    {
        foreach (var stage in _stages)
        {
            stage.ReadRtx(transceiver, stream, packet);
        }
    }

    /// <summary>Reader chain over one decrypted compound RTCP packet.</summary>
    public void ReadRtcp(ReadOnlySpan<byte> compound)
    {
        var reader = new RtcpCompoundReader(compound);
        while (reader.MoveNext())
        {
            if (!RtcpPacketParser.TryParse(reader.Current, out var packet, out _, _transportCc) || packet is null)
            {
                Interlocked.Increment(ref _rtcpDropped);
                continue;
            }

            foreach (var stage in _stages)
            {
                stage.ReadRtcp(packet);
            }
        }

        if (reader.Error != RtcpDropReason.None)
        {
            Interlocked.Increment(ref _rtcpDropped);
        }
    }

    /// <summary>Once per tick, before <see cref="WriteRtcp"/>: whether this tick sends the reports (one schedule per connection).</summary>
    public bool IsReportDue() => _reports.IsDue();

    /// <summary>Writer chain for one transceiver; the packets stay valid until the next call.</summary>
    public List<IRtcpPacket> WriteRtcp(RtpTransceiver transceiver, MediaReceiveStream? stream, bool reportDue, int maxBandwidthKbps)
    {
        _batch.Reset(transceiver, stream, reportDue, maxBandwidthKbps);
        if (!_closed)
        {
            foreach (var stage in _stages)
            {
                stage.WriteRtcp(_batch);
            }
        }

        return _batch.Packets;
    }

    /// <summary>Unbinds every stream, then closes every stage. Idempotent.</summary>
    public void Close()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        foreach (var stream in _remote.ToArray())
        {
            UnbindRemoteStream(stream);
        }

        foreach (var transceiver in _local)
        {
            foreach (var stage in _stages)
            {
                stage.UnbindLocalStream(transceiver);
            }

            transceiver.SendStream.Writer = transceiver.SendStream.SendToSession;
        }

        _local.Clear();
        foreach (var stage in _stages)
        {
            stage.Close();
        }
    }
}
