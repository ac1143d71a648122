using System.Globalization;
using System.Security.Cryptography;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc;

/// <summary>
/// The transceivers of one connection and their m-lines: a copy-on-write array (readers on the media paths take it
/// without a lock; writers hold <see cref="_lock"/>), unique SSRCs for each, the send cap applied to each, and mids
/// (assigned for an offer, matched from a remote offer).
/// </summary>
internal sealed class TransceiverList(string streamId, TimeProvider time)
{
    private readonly Lock _lock = new();
    private volatile RtpTransceiver[] _all = [];
    private int _maxBandwidthKbps;

    public RtpTransceiver[] All => _all;

    /// <summary>The mid our local candidates are signalled with (BUNDLE: the first m-line's).</summary>
    public string FirstMid => _all is [{ Mid: { } mid }, ..] ? mid : "0";

    /// <summary>The cap set with <see cref="SetMaxBandwidth"/> (kbit/s, 0 = none).</summary>
    public int MaxBandwidthKbps => Volatile.Read(ref _maxBandwidthKbps);

    public RtpTransceiver Add(MediaKind kind, TransceiverDirection direction)
    {
        lock (_lock)
        {
            return AddLocked(kind, direction);
        }
    }

    public void SetMaxBandwidth(int kbps)
    {
        foreach (var transceiver in _all)
        {
            transceiver.MaxBandwidthKbps = kbps;
            transceiver.UpdateTargetBitrate();
        }

        _maxBandwidthKbps = kbps;
    }

    /// <summary>Gives each transceiver without a mid the next number above those in use (for an offer).</summary>
    public RtpTransceiver[] AssignMids()
    {
        var transceivers = _all;
        var next = 0;
        foreach (var transceiver in transceivers)
        {
            if (transceiver.Mid is { } mid && int.TryParse(mid, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                next = Math.Max(next, n + 1);
            }
        }

        foreach (var transceiver in transceivers)
        {
            if (transceiver.Mid is null)
            {
                transceiver.AssignMid((next++).ToString(CultureInfo.InvariantCulture));
            }
        }

        return transceivers;
    }

    /// <summary>
    /// Maps each offered audio/video m-line to a transceiver: the one with its mid, else an unassigned one of the same kind
    /// (we send on it), else a new recvonly one. Rejected m-lines get none.
    /// </summary>
    public void MatchOffered(IReadOnlyList<MediaDescription> offered)
    {
        lock (_lock)
        {
            foreach (var media in offered)
            {
                Match(media);
            }
        }
    }

    /// <summary>The first transceiver of <paramref name="kind"/> that has a mid: what we answer that kind's m-lines with.</summary>
    public RtpTransceiver? FirstWithMid(MediaKind kind)
    {
        foreach (var transceiver in _all)
        {
            if (transceiver.Kind == kind && transceiver.Mid is not null)
            {
                return transceiver;
            }
        }

        return null;
    }

    private void Match(MediaDescription media)
    {
        if (media.Mid is not { } mid || !TryKind(media.MediaType, out var kind))
        {
            return;
        }

        foreach (var transceiver in _all)
        {
            if (transceiver.Mid == mid)
            {
                return;
            }
        }

        if (media.IsRejected)
        {
            return;
        }

        foreach (var transceiver in _all)
        {
            if (transceiver.Mid is null && transceiver.Kind == kind)
            {
                transceiver.AssignMid(mid);
                return;
            }
        }

        AddLocked(kind, TransceiverDirection.RecvOnly).AssignMid(mid);
    }

    private RtpTransceiver AddLocked(MediaKind kind, TransceiverDirection direction)
    {
        var ssrc = NewSsrc();
        uint? rtxSsrc = kind == MediaKind.Video ? NewSsrc() : null;
        var transceiver = new RtpTransceiver(kind, direction, ssrc, rtxSsrc, streamId, Guid.NewGuid().ToString("D"), time)
        {
            MaxBandwidthKbps = _maxBandwidthKbps,
        };
        transceiver.UpdateTargetBitrate();
        _all = [.. _all, transceiver];
        return transceiver;
    }

    private uint NewSsrc()
    {
        while (true)
        {
            var ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue) * 2u + (uint)RandomNumberGenerator.GetInt32(2);
            var clash = false;
            foreach (var t in _all)
            {
                clash |= t.Ssrc == ssrc || t.SendStream.RtxSsrc == ssrc;
            }

            if (!clash && ssrc != 0)
            {
                return ssrc;
            }
        }
    }

    private static bool TryKind(string mediaType, out MediaKind kind)
    {
        kind = mediaType == MediaDescription.VideoMedia ? MediaKind.Video : MediaKind.Audio;
        return mediaType is MediaDescription.AudioMedia or MediaDescription.VideoMedia;
    }
}
