using System.Net;
using System.Security.Cryptography;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Ice;

/// <summary>
/// Our connectivity checks (RFC 8445 §7.2): one paced check every <see cref="IceOptions.CheckInterval"/> (triggered
/// first, then the best waiting pair), regular nomination by the controlling side (§8.1.1), the answers and time-outs
/// of checks and consent requests, and the triggered checks the peer's own checks call for (§7.3.1.4). Owned by the
/// agent loop, except <see cref="RoundTripTime"/>.
/// </summary>
internal sealed class IceCheckScheduler(
    IceOptions options,
    IceCounters counters,
    TimeProvider time,
    ILogger logger,
    IceGenerations generations,
    IceChecklist checklist,
    IceLocalCandidates locals,
    IceTransactionTable transactions,
    IceSourceVerifier sources,
    IceSelection selection,
    Action onConsentRenewed)
{
    private DateTimeOffset _nextCheckAt;
    private long _roundTripTicks;

    /// <summary>The latest round trip of a check answered without retransmission (Karn's rule), or null before any. Any thread.</summary>
    public TimeSpan? RoundTripTime => Volatile.Read(ref _roundTripTicks) is var ticks and > 0 ? TimeSpan.FromTicks(ticks) : null;

    /// <summary>The current generation starts checking: its first check goes out at once.</summary>
    public void StartPacing(DateTimeOffset now) => _nextCheckAt = now;

    public void RunPacedCheck(DateTimeOffset now)
    {
        var generation = generations.Current;
        if (generation.Remote is null || now < _nextCheckAt)
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
        _nextCheckAt = now + options.CheckInterval;
    }

    /// <summary>Regular nomination (RFC 8445 §8.1.1): the controlling side re-checks its best valid pair with USE-CANDIDATE.</summary>
    public void RunNomination(DateTimeOffset now)
    {
        var generation = generations.Current;
        if (checklist.Role != IceRole.Controlling || generation.Nominated || generation.NominationInFlight is not null
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

        if (betterPending && now - firstValid < options.NominationWait)
        {
            return;
        }

        generation.NominationInFlight = best;
        SendCheck(best, IceTransactionKind.Check, useCandidate: true);
    }

    /// <summary>The earliest time a paced check or the nomination wait needs the loop, for a generation that is checking.</summary>
    public DateTimeOffset NextDeadline()
    {
        var next = DateTimeOffset.MaxValue;
        var generation = generations.Current;
        if (generation.Triggered.Count > 0 || IceChecklist.HasWaitingPair(generation))
        {
            next = _nextCheckAt;
        }

        if (checklist.Role == IceRole.Controlling && !generation.Nominated && generation.NominationInFlight is null
            && generation.FirstValidAt is { } firstValid && firstValid + options.NominationWait < next)
        {
            next = firstValid + options.NominationWait;
        }

        return next;
    }

    public void SendConsentCheck(IceCandidatePair pair) => SendCheck(pair, IceTransactionKind.Consent, useCandidate: false);

    /// <summary>A check ran out of transmissions; consent time-outs are judged by the selection's silence limits instead.</summary>
    public void OnTimedOut(IceTransaction transaction)
    {
        if (transaction.Kind != IceTransactionKind.Check)
        {
            return;
        }

        var pair = transaction.Pair!;
        if (pair.State == IceCandidatePairState.InProgress)
        {
            pair.State = IceCandidatePairState.Failed;
        }

        IceLog.CheckOutcome(logger, pair, transaction.Generation!.Number, "timed out");
        if (transaction.UseCandidate && ReferenceEquals(transaction.Generation!.NominationInFlight, pair))
        {
            transaction.Generation.NominationInFlight = null;
        }
    }

    /// <summary>The answer to one of our checks or consent requests (RFC 8445 §7.2.5); one on the selected pair renews consent.</summary>
    public void OnResponse(IceTransaction transaction, StunMessageView response, IPEndPoint source, IDatagramSocket socket)
    {
        var generation = transaction.Generation!;
        var isError = response.Class == StunClass.ErrorResponse;
        var errorCode = 0;
        if (isError)
        {
            response.TryGetErrorCode(out errorCode, out _);
        }

        // Success and 487 must be signed with the peer's password; 400/401 come unsigned.
        var mustBeSigned = !isError || errorCode == 487;
        if ((mustBeSigned || response.HasMessageIntegrity)
            && (!response.HasMessageIntegrity || !response.VerifyMessageIntegrity(generation.RemoteKey)))
        {
            counters.Count(IceCounter.IntegrityFailures);
            IceLog.IntegrityFailed(logger, source);
            return;
        }

        transactions.Complete(transaction);
        var pair = transaction.Pair!;
        if (isError && transaction.UseCandidate && ReferenceEquals(generation.NominationInFlight, pair))
        {
            generation.NominationInFlight = null;
        }

        if (!ReferenceEquals(socket, transaction.Socket) || !source.Equals(transaction.Destination))
        {
            // RFC 8445 §7.2.5.2.1: non-symmetric addresses fail the check.
            pair.State = IceCandidatePairState.Failed;
            IceLog.CheckOutcome(logger, pair, generation.Number, "failed: answered from another address");
            return;
        }

        if (isError)
        {
            OnCheckError(transaction, pair, generation, errorCode);
            IceLog.CheckError(logger, pair, generation.Number, errorCode);
            return;
        }

        sources.MarkAuthenticated(source);
        var now = time.GetUtcNow();
        if (transaction.Transmissions == 1)
        {
            Volatile.Write(ref _roundTripTicks, Math.Max(1, (now - transaction.FirstSentAt).Ticks));
        }

        if (selection.OnAnswered(pair, now))
        {
            onConsentRenewed();
        }

        if (transaction.Kind == IceTransactionKind.Consent)
        {
            return;
        }

        pair.State = IceCandidatePairState.Succeeded;
        generation.FirstValidAt ??= now;
        IceLog.CheckOutcome(logger, pair, generation.Number, transaction.UseCandidate ? "succeeded (nomination)" : "succeeded");
        if (transaction.UseCandidate || (checklist.Role == IceRole.Controlled && pair.NominatedByPeer))
        {
            selection.Select(pair, nominated: true);
            return;
        }

        selection.SelectIfFirstUsable(pair);
        RunNomination(now);
        return;
    }

    /// <summary>An authenticated check from the peer on <paramref name="generation"/>: pair it, then trigger or select (RFC 8445 §7.3.1.4).</summary>
    public void OnPeerCheck(IceGeneration generation, IPEndPoint source, IDatagramSocket socket, uint peerPriority, bool peerNominates, bool previousCredentials)
    {
        var remote = IceChecklist.FindRemote(generation, source);
        if (remote is null)
        {
            if (generation.RemoteCandidates.Count >= options.MaxRemoteCandidates)
            {
                counters.Count(IceCounter.RemoteCandidatesRefused);
                return;
            }

            remote = checklist.LearnPeerReflexive(generation, source, peerPriority);
        }

        var local = locals.ChooseFor(socket, source);
        if (local is null)
        {
            return;
        }

        var pair = IceChecklist.FindPair(generation, socket, source) ?? checklist.AddPair(generation, local, remote, source);
        if (pair is null)
        {
            return;
        }

        var role = checklist.Role;
        var useCandidate = role == IceRole.Controlled && peerNominates;
        if (useCandidate)
        {
            pair.NominatedByPeer = true;
        }

        pair.CheckedByPeer = true;
        pair.PeerUsesPreviousLocalCredentials = previousCredentials;
        IceLog.PeerChecked(logger, pair, generation.Number, role, useCandidate, previousCredentials);
        switch (pair.State)
        {
            case IceCandidatePairState.Succeeded:
                if (useCandidate)
                {
                    selection.Select(pair, nominated: true);
                }
                else
                {
                    selection.SelectIfFirstUsable(pair);
                }

                break;
            case IceCandidatePairState.InProgress:
                // RFC 8445 §7.3.1.4: the peer's check just crossed this pair, so our own check (or its response) was
                // probably lost. Cancel its retransmissions and check again at the next pacing slot instead of waiting
                // out the RTO: on a lossy path this turns a 500 ms – 1.5 s wait into one pacing interval.
                transactions.CancelChecksOf(pair);
                Trigger(generation, pair);
                break;
            default:
                // RFC 8445 §7.3.1.4 triggered check.
                Trigger(generation, pair);
                break;
        }
    }

    private static void Trigger(IceGeneration generation, IceCandidatePair pair)
    {
        pair.State = IceCandidatePairState.Waiting;
        if (!generation.Triggered.Contains(pair))
        {
            generation.Triggered.Enqueue(pair);
        }
    }

    private void OnCheckError(IceTransaction transaction, IceCandidatePair pair, IceGeneration generation, int errorCode)
    {
        if (transaction.Kind == IceTransactionKind.Consent)
        {
            return;
        }

        if (errorCode == 487)
        {
            // RFC 8445 §7.2.5.1: switch role, and retry the check.
            counters.Count(IceCounter.RoleConflicts);
            checklist.SwitchRole(transaction.SentAsControlling ? IceRole.Controlled : IceRole.Controlling);
            Trigger(generation, pair);
            return;
        }

        pair.State = IceCandidatePairState.Failed;
    }

    /// <summary>Sends a connectivity check or consent request on <paramref name="pair"/> (RFC 8445 §7.2.2).</summary>
    private void SendCheck(IceCandidatePair pair, IceTransactionKind kind, bool useCandidate)
    {
        var generation = pair.Generation;
        if (generation.Remote is null || generation.RemoteKey is null)
        {
            return;
        }

        var role = checklist.Role;
        var controlling = role == IceRole.Controlling;
        var transaction = new IceTransaction(kind, pair.Socket, pair.RemoteEndPoint)
        {
            Pair = pair,
            Generation = generation,
            UseCandidate = useCandidate,
            SentAsControlling = controlling,
            MaxTransmissions = kind == IceTransactionKind.Consent ? 3 : options.MaxCheckTransmissions,
            Rto = options.CheckRto,
            MaxRto = options.MaxCheckRto,
        };
        Span<byte> transactionId = stackalloc byte[StunConstants.TransactionIdSize];
        RandomNumberGenerator.Fill(transactionId);
        var writer = new StunWriter(transaction.Buffer, StunMessageType.BindingRequest, transactionId);
        writer.AddUsername(generation.Remote.Ufrag + ":" + generation.LocalUfragFor(pair));
        writer.AddPriority(IceCandidate.ComputePriority(IceCandidateType.PeerReflexive, pair.Local.LocalPreference));
        if (controlling)
        {
            writer.AddIceControlling(checklist.TieBreaker);
        }
        else
        {
            writer.AddIceControlled(checklist.TieBreaker);
        }

        if (useCandidate)
        {
            writer.AddUseCandidate();
        }

        if (options.Software is { } software)
        {
            writer.AddSoftware(software);
        }

        writer.AddMessageIntegrity(generation.RemoteKey);
        writer.AddFingerprint();
        if (!transaction.TrySeal(ref writer, transactionId))
        {
            return;
        }

        transactions.Start(transaction, time.GetUtcNow());
        counters.Count(IceCounter.ChecksSent);
        if (kind == IceTransactionKind.Check)
        {
            IceLog.CheckSent(logger, pair, generation.Number, role, useCandidate);
            pair.State = IceCandidatePairState.InProgress;
        }
    }
}
