using System.Net;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Ice;

/// <summary>
/// The pair media uses (RFC 8445 §8, §12.1) and consent freshness on it (RFC 7675): moves <see cref="Send"/> to a pair
/// selected or nominated, sends a consent check every ~<see cref="IceOptions.ConsentInterval"/>, and tells when the peer
/// has been silent long enough to call the path disconnected or failed. Owned by the agent loop, except <see cref="Send"/>
/// and <see cref="Info"/>, which read one volatile reference each.
/// </summary>
internal sealed class IceSelection(
    IceOptions options,
    TimeProvider time,
    ILogger logger,
    IceCounters counters,
    IceGenerations generations,
    Action<IceSelectedPair> onSelected)
{
    private volatile SendPath? _sendPath;
    private volatile IceSelectedPair? _info;
    private DateTimeOffset _nextConsentAt;
    private DateTimeOffset _lastConsentResponse;

    /// <summary>The pair media uses, or null before one is selected or after consent expired.</summary>
    public IceCandidatePair? Pair { get; private set; }

    public IceSelectedPair? Info => _info;

    /// <summary>Sends on the selected pair. Drops and counts when there is none. Never allocates.</summary>
    public bool Send(ReadOnlySpan<byte> datagram)
    {
        var path = _sendPath;
        if (path is null)
        {
            counters.Count(IceCounter.SendDroppedNoPair);
            return false;
        }

        if (!path.Socket.TrySendTo(datagram, path.Remote))
        {
            counters.Count(IceCounter.SendFailed);
            return false;
        }

        return true;
    }

    /// <summary>The first pair of a generation that is valid both ways carries media until one is nominated.</summary>
    public void SelectIfFirstUsable(IceCandidatePair pair)
    {
        if (pair.Generation.Selected is null && pair.State == IceCandidatePairState.Succeeded && pair.CheckedByPeer)
        {
            Select(pair, nominated: false);
        }
    }

    /// <summary>
    /// Moves media to <paramref name="pair"/>: <paramref name="nominated"/> once USE-CANDIDATE succeeded on it, otherwise as
    /// the first pair of a generation valid both ways with nothing selected yet, so DTLS starts one nomination round trip earlier
    /// (on a 200 ms, 20 % loss path that round trip and its retransmissions cost ≈ 0.3–1 s). A nomination of another pair
    /// later moves media there.
    /// </summary>
    public void Select(IceCandidatePair pair, bool nominated)
    {
        var generation = pair.Generation;
        if (nominated)
        {
            generation.NominationInFlight = null;
            generation.Nominated = true;
        }

        if (ReferenceEquals(generation.Selected, pair) && ReferenceEquals(Pair, pair))
        {
            return;
        }

        generation.Selected = pair;
        if (!ReferenceEquals(generation, generations.Current))
        {
            return; // a late nomination on an old generation does not move media back
        }

        generations.ForgetPrevious();
        Pair = pair;
        _sendPath = new SendPath(pair.Socket, pair.RemoteAddress);
        var info = new IceSelectedPair(pair.Local.Candidate, pair.Remote, new IPEndPoint(
            IPAddress.Parse(pair.Local.Candidate.Address), pair.Local.Candidate.Port), pair.RemoteEndPoint, generation.Number);
        _info = info;
        var now = time.GetUtcNow();
        _lastConsentResponse = now;
        _nextConsentAt = now + JitteredConsentInterval();
        IceLog.PairSelected(logger, pair.Local.Candidate.Address, pair.RemoteEndPoint, generation.Number);
        onSelected(info);
    }

    /// <summary>A check or consent request on <paramref name="pair"/> was answered: true when it is the selected pair (consent renewed).</summary>
    public bool OnAnswered(IceCandidatePair pair, DateTimeOffset now)
    {
        if (!ReferenceEquals(pair, Pair))
        {
            return false;
        }

        _lastConsentResponse = now;
        return true;
    }

    /// <summary>RFC 7675 §5.1: the selected pair when its consent check is due in <paramref name="state"/> (the next one is scheduled), else null.</summary>
    public IceCandidatePair? ConsentCheckDue(DateTimeOffset now, IceConnectionState state)
    {
        if (Pair is null || !IsConsentState(state) || now < _nextConsentAt)
        {
            return null;
        }

        _nextConsentAt = now + JitteredConsentInterval();
        return Pair;
    }

    /// <summary>
    /// The state the peer's silence on the selected pair calls for in <paramref name="state"/> (Failed: consent expired and
    /// sending has stopped), or null when it calls for nothing.
    /// </summary>
    public IceConnectionState? ConsentVerdict(DateTimeOffset now, IceConnectionState state)
    {
        if (Pair is null || !IsConsentState(state))
        {
            return null;
        }

        var silence = now - _lastConsentResponse;
        if (silence >= options.FailedTimeout)
        {
            // Consent expired: stop sending (RFC 7675 §5.1). A restart can recover.
            _sendPath = null;
            Pair = null;
            generations.ForgetPrevious();
            return IceConnectionState.Failed;
        }

        return silence >= options.DisconnectedTimeout ? IceConnectionState.Disconnected : null;
    }

    /// <summary>The next consent deadline (a check to send, or the silence limit of <paramref name="state"/>).</summary>
    public DateTimeOffset NextDeadline(IceConnectionState state)
    {
        if (Pair is null || !IsConsentState(state))
        {
            return DateTimeOffset.MaxValue;
        }

        var silenceLimit = _lastConsentResponse + (state == IceConnectionState.Disconnected ? options.FailedTimeout : options.DisconnectedTimeout);
        return _nextConsentAt < silenceLimit ? _nextConsentAt : silenceLimit;
    }

    /// <summary>The agent closed: nothing is sent any more.</summary>
    public void Close() => _sendPath = null;

    private static bool IsConsentState(IceConnectionState state) =>
        state is IceConnectionState.Connected or IceConnectionState.Completed or IceConnectionState.Disconnected;

    private TimeSpan JitteredConsentInterval() =>
        options.ConsentInterval * (0.8 + (0.4 * Random.Shared.NextDouble())); // RFC 7675 §5.1: 0.8..1.2

    /// <summary>Where <see cref="Send"/> goes: swapped atomically when a pair is selected.</summary>
    private sealed class SendPath(IDatagramSocket socket, SocketAddress remote)
    {
        public IDatagramSocket Socket { get; } = socket;

        public SocketAddress Remote { get; } = remote;
    }
}
