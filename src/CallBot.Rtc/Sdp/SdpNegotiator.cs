using System.Globalization;

namespace CallBot.Rtc.Sdp;

/// <summary>Why <see cref="SdpNegotiator.TryNegotiate"/> refused an offer/answer pair.</summary>
public enum SdpNegotiationError
{
    None,
    /// <summary>The answer has a different number of m-lines than the offer (RFC 3264 §6).</summary>
    MediaCountMismatch,
    /// <summary>No a=ice-ufrag / a=ice-pwd in the remote description.</summary>
    MissingIceCredentials,
    /// <summary>a=ice-ufrag / a=ice-pwd break the RFC 8839 §5.4 grammar (the ufrag would go into every check's USERNAME).</summary>
    InvalidIceCredentials,
    /// <summary>No usable a=fingerprint in the remote description: DTLS could not be verified.</summary>
    MissingFingerprint,
    /// <summary>Both sides claim the same DTLS role, or the answer says actpass.</summary>
    SetupConflict,
}

/// <summary>
/// Reads the outcome of an offer/answer exchange from the two descriptions (RFC 8829 §5.10/§5.11): codecs, feedback and
/// header extensions come from the ANSWER (it holds the intersection, with the offerer's payload type numbers); remote
/// ICE, fingerprint, SSRCs, candidates and bandwidth come from the REMOTE description, whichever side offered.
/// </summary>
public static class SdpNegotiator
{
    public static bool TryNegotiate(SessionDescription local, SessionDescription remote, bool localIsOffer, out NegotiatedSession session, out SdpNegotiationError error)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(remote);
        session = null!;
        var answer = localIsOffer ? remote : local;
        if (local.Media.Count != remote.Media.Count)
        {
            error = SdpNegotiationError.MediaCountMismatch;
            return false;
        }

        var transportSection = FirstAccepted(remote);
        var ufrag = transportSection?.IceUfrag ?? remote.IceUfrag;
        var pwd = transportSection?.IcePwd ?? remote.IcePwd;
        if (string.IsNullOrEmpty(ufrag) || string.IsNullOrEmpty(pwd))
        {
            error = SdpNegotiationError.MissingIceCredentials;
            return false;
        }

        if (!Ice.IceCredentials.IsValidUfrag(ufrag) || !Ice.IceCredentials.IsValidPassword(pwd))
        {
            error = SdpNegotiationError.InvalidIceCredentials;
            return false;
        }

        var fingerprint = transportSection?.Fingerprint ?? remote.Fingerprint;
        if (fingerprint is null || !fingerprint.TryGetBytes(out _))
        {
            error = SdpNegotiationError.MissingFingerprint;
            return false;
        }

        var remoteSetup = transportSection?.Setup ?? remote.Setup ?? SdpSetup.ActPass;
        var localSection = FirstAccepted(local);
        var localSetup = localSection?.Setup ?? local.Setup ?? SdpSetup.ActPass;
        if (!TryResolveRole(localSetup, remoteSetup, out var role))
        {
            error = SdpNegotiationError.SetupConflict;
            return false;
        }

        var media = new List<NegotiatedMedia>(answer.Media.Count);
        var candidates = new List<string>();
        var endOfCandidates = false;
        for (var i = 0; i < answer.Media.Count; i++)
        {
            media.Add(NegotiateMedia(answer.Media[i], remote.Media[i], localIsOffer, i));
            candidates.AddRange(remote.Media[i].Candidates);
            endOfCandidates |= remote.Media[i].EndOfCandidates;
        }

        var iceOptions = transportSection?.IceOptions ?? remote.IceOptions;
        session = new NegotiatedSession(ufrag, pwd, fingerprint, role)
        {
            RemoteSetup = remoteSetup,
            RemoteIceLite = remote.HasAttribute(SdpAttributeNames.IceLite),
            RemoteTrickle = iceOptions is not null && iceOptions.Split(' ').Contains(SdpAttributeNames.TrickleOption),
            RemoteCandidates = candidates,
            RemoteEndOfCandidates = endOfCandidates,
            BundleMids = answer.BundleGroup?.Mids ?? [],
            Media = media,
        };
        error = SdpNegotiationError.None;
        return true;
    }

    /// <summary>
    /// Our DTLS role from both setup values (RFC 8842 §5): whoever is active is the client; actpass defers to the other side.
    /// </summary>
    public static bool TryResolveRole(SdpSetup local, SdpSetup remote, out SdpDtlsRole role)
    {
        role = SdpDtlsRole.Client;
        switch (local, remote)
        {
            case (SdpSetup.Active, not SdpSetup.Active):
                role = SdpDtlsRole.Client;
                return true;
            case (SdpSetup.Passive, not SdpSetup.Passive):
                role = SdpDtlsRole.Server;
                return true;
            case (SdpSetup.ActPass, SdpSetup.Active):
                role = SdpDtlsRole.Server;
                return true;
            case (SdpSetup.ActPass, SdpSetup.Passive):
                role = SdpDtlsRole.Client;
                return true;
            default:
                return false;
        }
    }

    /// <summary>The first m-line not rejected: with BUNDLE, the one whose ICE and DTLS attributes the transport uses.</summary>
    internal static MediaDescription? FirstAccepted(SessionDescription description)
    {
        foreach (var media in description.Media)
        {
            if (!media.IsRejected)
            {
                return media;
            }
        }

        return null;
    }

    private static NegotiatedMedia NegotiateMedia(MediaDescription answer, MediaDescription remote, bool localIsOffer, int index)
    {
        var mid = answer.Mid ?? remote.Mid ?? index.ToString(CultureInfo.InvariantCulture);
        if (answer.IsRejected || remote.IsRejected)
        {
            return new NegotiatedMedia(mid, answer.MediaType, Rejected: true) { Direction = SdpDirection.Inactive };
        }

        return new NegotiatedMedia(mid, answer.MediaType, Rejected: false)
        {
            Direction = localIsOffer ? answer.Direction.Reverse() : answer.Direction,
            Codecs = Codecs(answer),
            HeaderExtensions = [.. answer.ExtMaps],
            RemoteSsrcs = RemoteSsrcs(remote),
            RemoteMsid = remote.Msid,
            MaxSendBitrateBps = SdpAnswerBuilder.RemoteBitrate(remote),
            RtcpMux = answer.RtcpMux,
            RtcpReducedSize = answer.RtcpReducedSize,
        };
    }

    private static List<NegotiatedCodec> Codecs(MediaDescription answer)
    {
        var index = new SdpFormatIndex(answer);
        var rtxByApt = new Dictionary<byte, byte>();
        foreach (var pt in answer.PayloadTypes)
        {
            if (index.TryGetRtpMap(pt, out var map) && IsRtx(map) && index.Fmtp(pt) is { } fmtp
                && fmtp.TryGetParameter(SdpCodec.AptParameter, out var aptText)
                && SdpNumbers.TryPayloadType(aptText, out var apt))
            {
                rtxByApt.TryAdd(apt, pt);
            }
        }

        var codecs = new List<NegotiatedCodec>();
        foreach (var pt in answer.PayloadTypes)
        {
            if (!index.TryGetRtpMap(pt, out var map) || IsRtx(map))
            {
                continue;
            }

            var feedback = new List<string>();
            foreach (var item in index.Feedback(pt))
            {
                feedback.Add(item.Kind);
            }

            codecs.Add(new NegotiatedCodec(pt, map.EncodingName, map.ClockRate, map.ChannelCount, index.Fmtp(pt)?.Parameters, feedback,
                rtxByApt.TryGetValue(pt, out var rtx) ? rtx : null));
        }

        return codecs;
    }

    private static bool IsRtx(SdpRtpMap map) => string.Equals(map.EncodingName, SdpCodec.RtxName, StringComparison.OrdinalIgnoreCase);

    private static List<NegotiatedSsrc> RemoteSsrcs(MediaDescription remote)
    {
        var repairOf = new Dictionary<uint, uint>();
        var rtxSsrcs = new HashSet<uint>();
        foreach (var group in remote.SsrcGroups)
        {
            if (group.Semantics == SdpSsrcGroup.Fid && group.Ssrcs.Count == 2)
            {
                repairOf.TryAdd(group.Ssrcs[0], group.Ssrcs[1]);
                rtxSsrcs.Add(group.Ssrcs[1]);
            }
        }

        var order = new List<uint>();
        var cnames = new Dictionary<uint, string>();
        var msids = new Dictionary<uint, SdpMsid>();
        foreach (var ssrc in remote.Ssrcs)
        {
            if (!cnames.ContainsKey(ssrc.Ssrc) && !msids.ContainsKey(ssrc.Ssrc) && !order.Contains(ssrc.Ssrc))
            {
                order.Add(ssrc.Ssrc);
            }

            if (ssrc.Attribute == SdpSsrc.CName && ssrc.Value is not null)
            {
                cnames.TryAdd(ssrc.Ssrc, ssrc.Value);
            }
            else if (ssrc.Attribute == SdpSsrc.Msid && ssrc.Value is not null && SdpMsid.TryParse(ssrc.Value, out var msid))
            {
                msids.TryAdd(ssrc.Ssrc, msid);
            }
        }

        var fallbackMsid = remote.Msid;
        var result = new List<NegotiatedSsrc>();
        foreach (var ssrc in order)
        {
            if (rtxSsrcs.Contains(ssrc))
            {
                continue;
            }

            var msid = msids.TryGetValue(ssrc, out var found) ? found : fallbackMsid;
            result.Add(new NegotiatedSsrc(ssrc, repairOf.TryGetValue(ssrc, out var rtx) ? rtx : null,
                cnames.TryGetValue(ssrc, out var cname) ? cname : null, msid?.StreamId, msid?.TrackId));
        }

        return result;
    }
}
