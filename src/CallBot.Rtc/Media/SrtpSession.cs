using CallBot.Rtc.Dtls;
using CallBot.Rtc.Srtp;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Media;

/// <summary>Sends one datagram on the selected ICE pair; false when dropped.</summary>
internal delegate bool DatagramSender(ReadOnlySpan<byte> datagram);

/// <summary>
/// The SRTP half of a connection after the DTLS handshake: protects outgoing RTP/RTCP into pooled buffers and sends them,
/// unprotects incoming packets in place. The local context is shared by every sending thread (media producers, the RTCP
/// timer, the NACK responder), so protect runs under a short lock (crypto only, the socket send happens after it);
/// the remote context is used only from the receive loop.
/// </summary>
internal sealed class SrtpSession : IDisposable
{
    /// <summary>Room for any RTP packet plus the largest SRTP/SRTCP trailer.</summary>
    private const int BufferSize = ScratchBuffer<SrtpSession>.Size;

    private readonly Lock _protectLock = new();
    private readonly SrtpContext _local;
    private readonly SrtpContext _remote;
    private readonly DatagramSender _send;
    private bool _disposed;
    private long _rtpSent;
    private long _rtcpSent;
    private long _protectFailures;
    private long _sendFailures;

    public SrtpSession(DtlsSrtpResult keys, DatagramSender send)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _local = keys.LocalContext;
        _remote = keys.RemoteContext;
        _send = send;
        Profile = keys.Profile;
        CipherSuite = keys.CipherSuite;
    }

    public SrtpProfile Profile { get; }

    public int CipherSuite { get; }

    /// <summary>Why incoming SRTP/SRTCP packets were dropped (auth failures, replays, ...).</summary>
    public SrtpDropCounters RemoteDrops => _remote.Drops;

    public SrtpDropCounters LocalDrops => _local.Drops;

    public long RtpSent => Interlocked.Read(ref _rtpSent);

    public long RtcpSent => Interlocked.Read(ref _rtcpSent);

    public long ProtectFailures => Interlocked.Read(ref _protectFailures);

    public long SendFailures => Interlocked.Read(ref _sendFailures);

    public bool SendRtp(ReadOnlySpan<byte> packet) => Send(packet, rtcp: false);

    public bool SendRtcp(ReadOnlySpan<byte> packet) => Send(packet, rtcp: true);

    /// <summary>Receive loop only.</summary>
    public bool TryUnprotectRtp(Span<byte> buffer, int length, out int plainLength, out SrtpDropReason reason) =>
        TryUnprotect(buffer, length, rtcp: false, out plainLength, out reason);

    /// <summary>Receive loop only.</summary>
    public bool TryUnprotectRtcp(Span<byte> buffer, int length, out int plainLength, out SrtpDropReason reason) =>
        TryUnprotect(buffer, length, rtcp: true, out plainLength, out reason);

    /// <summary>Call with the receive loop stopped or its lock held, so no unprotect runs concurrently.</summary>
    public void Dispose()
    {
        lock (_protectLock)
        {
            if (_disposed)
            {
                return;
            }

            Volatile.Write(ref _disposed, true);
            _local.Dispose();
            _remote.Dispose();
        }
    }

    private bool Send(ReadOnlySpan<byte> packet, bool rtcp)
    {
        if (packet.Length + Profile.RtcpOverhead > BufferSize)
        {
            Interlocked.Increment(ref _protectFailures);
            return false;
        }

        var buffer = ScratchBuffer<SrtpSession>.Take();
        try
        {
            packet.CopyTo(buffer);
            int length;
            lock (_protectLock)
            {
                if (_disposed)
                {
                    return false;
                }

                var ok = rtcp
                    ? _local.TryProtectRtcp(buffer, packet.Length, out length)
                    : _local.TryProtectRtp(buffer, packet.Length, out length);
                if (!ok)
                {
                    Interlocked.Increment(ref _protectFailures);
                    return false;
                }
            }

            if (!_send(buffer.AsSpan(0, length)))
            {
                Interlocked.Increment(ref _sendFailures);
                return false;
            }

            Interlocked.Increment(ref rtcp ? ref _rtcpSent : ref _rtpSent);
            return true;
        }
        finally
        {
            ScratchBuffer<SrtpSession>.Return(buffer);
        }
    }

    private bool TryUnprotect(Span<byte> buffer, int length, bool rtcp, out int plainLength, out SrtpDropReason reason)
    {
        if (Volatile.Read(ref _disposed))
        {
            plainLength = 0;
            reason = SrtpDropReason.None;
            return false;
        }

        return rtcp
            ? _remote.TryUnprotectRtcp(buffer, length, out plainLength, out reason)
            : _remote.TryUnprotectRtp(buffer, length, out plainLength, out reason);
    }
}
