namespace CallBot.Rtc.Ice;

/// <summary>Timekeeping on the loop: pacing (Ta), retransmissions, nomination, consent, state rules.</summary>
public sealed partial class IceAgent
{
    private void OnTick()
    {
        if (_state == IceConnectionState.Closed)
        {
            return;
        }

        _scheduledFor = DateTimeOffset.MaxValue;
        var now = _time.GetUtcNow();
        RunTransactionTimers(now);
        RunHostRefresh(now);
        RunPacedCheck(now);
        RunNomination(now);
        RunConsent(now);
        EvaluateState(now);
    }

    private void RunTransactionTimers(DateTimeOffset now)
    {
        _transactions.RunTimers(now);
        foreach (var transaction in _transactions.TimedOut)
        {
            OnTransactionTimedOut(transaction);
        }
    }

    private void OnTransactionTimedOut(IceTransaction transaction)
    {
        switch (transaction.Kind)
        {
            case IceTransactionKind.StunServer:
                OnServerTransactionDone();
                break;
            case IceTransactionKind.Check:
                var pair = transaction.Pair!;
                if (pair.State == IceCandidatePairState.InProgress)
                {
                    pair.State = IceCandidatePairState.Failed;
                }

                IceLog.CheckOutcome(_logger, pair, transaction.Generation!.Number, "timed out");

                if (transaction.UseCandidate && ReferenceEquals(transaction.Generation!.NominationInFlight, pair))
                {
                    transaction.Generation.NominationInFlight = null;
                }

                break;
            default:
                break; // consent: the timeouts in RunConsent decide
        }
    }

    private void RunPacedCheck(DateTimeOffset now)
    {
        var generation = _current;
        if (!_started || generation.Remote is null || now < _nextCheckAt)
        {
            return;
        }

        IceCandidatePair? next = null;
        while (generation.Triggered.Count > 0 && next is null)
        {
            var candidate = generation.Triggered.Dequeue();
            if (candidate.State == IceCandidatePairState.Waiting)
            {
                next = candidate;
            }
        }

        if (next is null)
        {
            foreach (var pair in generation.Pairs)
            {
                if (pair.State is IceCandidatePairState.Waiting or IceCandidatePairState.Frozen
                    && (next is null || pair.Priority > next.Priority))
                {
                    next = pair;
                }
            }
        }

        if (next is null)
        {
            return;
        }

        SendCheck(next, IceTransactionKind.Check, useCandidate: false);
        _nextCheckAt = now + _options.CheckInterval;
    }

    /// <summary>Regular nomination (RFC 8445 §8.1.1): the controlling side re-checks its best valid pair with USE-CANDIDATE.</summary>
    private void RunNomination(DateTimeOffset now)
    {
        var generation = _current;
        if (_role != IceRole.Controlling || generation.Nominated || generation.NominationInFlight is not null
            || generation.FirstValidAt is not { } firstValid)
        {
            return;
        }

        IceCandidatePair? best = null;
        foreach (var pair in generation.Pairs)
        {
            if (pair.State == IceCandidatePairState.Succeeded && (best is null || pair.Priority > best.Priority))
            {
                best = pair;
            }
        }

        if (best is null)
        {
            return;
        }

        var betterPending = false;
        foreach (var pair in generation.Pairs)
        {
            if (pair.Priority > best.Priority && pair.State is IceCandidatePairState.Waiting or IceCandidatePairState.InProgress or IceCandidatePairState.Frozen)
            {
                betterPending = true;
                break;
            }
        }

        if (betterPending && now - firstValid < _options.NominationWait)
        {
            return;
        }

        generation.NominationInFlight = best;
        SendCheck(best, IceTransactionKind.Check, useCandidate: true);
    }

    /// <summary>RFC 7675 consent freshness on the pair media uses.</summary>
    private void RunConsent(DateTimeOffset now)
    {
        if (_selected is null || _state is not (IceConnectionState.Connected or IceConnectionState.Completed or IceConnectionState.Disconnected))
        {
            return;
        }

        if (now >= _nextConsentAt)
        {
            SendCheck(_selected, IceTransactionKind.Consent, useCandidate: false);
            _nextConsentAt = now + JitteredConsentInterval();
        }

        var silence = now - _lastConsentResponse;
        if (silence >= _options.FailedTimeout)
        {
            // Consent expired: stop sending (RFC 7675 §5.1). A restart can recover.
            _sendPath = null;
            _selected = null;
            _previous = null;
            SetState(IceConnectionState.Failed);
        }
        else if (silence >= _options.DisconnectedTimeout)
        {
            SetState(IceConnectionState.Disconnected);
        }
    }

    private void EvaluateState(DateTimeOffset now)
    {
        var generation = _current;
        if (generation.Selected is null)
        {
            if (_state != IceConnectionState.Checking || generation.CheckingStartedAt is not { } started)
            {
                return;
            }

            // RFC 8838 §8 / RFC 8445 §8.1.2: with trickle, the check list fails only once no candidate can come on
            // either side — the peer signaled end-of-candidates AND our own gathering ended. Without the second half an
            // answerer handed the offerer's whole batch (end included) before its first host candidate existed had no
            // pairs, "all failed", and flickered Checking → Failed → Connected.
            var allFailed = generation.RemoteEndOfCandidates && _gathered.Task.IsCompleted && generation.Triggered.Count == 0;
            foreach (var pair in generation.Pairs)
            {
                if (pair.State != IceCandidatePairState.Failed)
                {
                    allFailed = false;
                    break;
                }
            }

            if (allFailed || now - started >= _options.CheckingTimeout)
            {
                SetState(IceConnectionState.Failed);
            }

            return;
        }

        // Completed once per generation; after a consent loss and recovery the state stays Connected.
        if (_state == IceConnectionState.Connected && !generation.Completed && generation.Nominated
            && ReferenceEquals(_selected, generation.Selected) && generation.RemoteEndOfCandidates)
        {
            foreach (var pair in generation.Pairs)
            {
                if (pair.State is IceCandidatePairState.Waiting or IceCandidatePairState.InProgress)
                {
                    return;
                }
            }

            generation.Completed = true;
            SetState(IceConnectionState.Completed);
        }
    }

    /// <summary>The first pair of a generation that is valid both ways carries media until one is nominated.</summary>
    private void SelectIfFirstUsable(IceCandidatePair pair)
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
    private void Select(IceCandidatePair pair, bool nominated)
    {
        var generation = pair.Generation;
        if (nominated)
        {
            generation.NominationInFlight = null;
            generation.Nominated = true;
        }

        if (ReferenceEquals(generation.Selected, pair) && ReferenceEquals(_selected, pair))
        {
            return;
        }

        generation.Selected = pair;
        if (!ReferenceEquals(generation, _current))
        {
            return; // a late nomination on an old generation does not move media back
        }

        _previous = null;
        _selected = pair;
        _sendPath = new SendPath(pair.Socket, pair.RemoteAddress);
        var info = new IceSelectedPair(pair.Local.Candidate, pair.Remote, new System.Net.IPEndPoint(
            System.Net.IPAddress.Parse(pair.Local.Candidate.Address), pair.Local.Candidate.Port), pair.RemoteEndPoint, generation.Number);
        _selectedInfo = info;
        var now = _time.GetUtcNow();
        _lastConsentResponse = now;
        _nextConsentAt = now + JitteredConsentInterval();
        IceLog.PairSelected(_logger, pair.Local.Candidate.Address, pair.RemoteEndPoint, generation.Number);
        Raise(() => SelectedPairChanged?.Invoke(info));
        if (_state is not (IceConnectionState.Connected or IceConnectionState.Completed))
        {
            SetState(IceConnectionState.Connected);
        }
    }

    private TimeSpan JitteredConsentInterval() =>
        _options.ConsentInterval * (0.8 + (0.4 * Random.Shared.NextDouble())); // RFC 7675 §5.1: 0.8..1.2

    /// <summary>Points the one timer at the earliest deadline; nothing runs when nothing is due.</summary>
    private void Reschedule()
    {
        var next = DateTimeOffset.MaxValue;
        var generation = _current;
        if (_started && generation.Remote is not null)
        {
            if (generation.Triggered.Count > 0 || HasWaitingPair(generation))
            {
                next = Min(next, _nextCheckAt);
            }

            if (_role == IceRole.Controlling && !generation.Nominated && generation.NominationInFlight is null
                && generation.FirstValidAt is { } firstValid)
            {
                next = Min(next, firstValid + _options.NominationWait);
            }

            if (generation.Selected is null && _state == IceConnectionState.Checking && generation.CheckingStartedAt is { } started)
            {
                next = Min(next, started + _options.CheckingTimeout);
            }

            if (generation.Selected is null && generation.CheckingStartedAt is not null)
            {
                next = Min(next, _nextHostRefreshAt);
            }
        }

        next = Min(next, _transactions.NextDeadline());

        if (_selected is not null && _state is IceConnectionState.Connected or IceConnectionState.Completed or IceConnectionState.Disconnected)
        {
            next = Min(next, _nextConsentAt);
            next = Min(next, _lastConsentResponse + (_state == IceConnectionState.Disconnected ? _options.FailedTimeout : _options.DisconnectedTimeout));
        }

        if (next == _scheduledFor)
        {
            return;
        }

        _scheduledFor = next;
        if (next == DateTimeOffset.MaxValue)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var due = next - _time.GetUtcNow();
        _timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    private static bool HasWaitingPair(IceGeneration generation)
    {
        foreach (var pair in generation.Pairs)
        {
            if (pair.State is IceCandidatePairState.Waiting or IceCandidatePairState.Frozen)
            {
                return true;
            }
        }

        return false;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
