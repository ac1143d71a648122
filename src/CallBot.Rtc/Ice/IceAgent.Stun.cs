using System.Net;
using System.Security.Cryptography;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Ice;

/// <summary>STUN in and out: answering checks (RFC 8445 §7.3), sending them (§7.2.4), reading responses (§7.2.5).</summary>
public sealed partial class IceAgent
{
    private const int ResponseBufferSize = 256;

    /// <summary>Runs on the receive loop: reject garbage cheaply, copy the rest to the agent loop.</summary>
    private void OnStunDatagram(ReadOnlySpan<byte> datagram, SocketAddress source, IDatagramSocket socket)
    {
        if (!StunMessage.TryParse(datagram, out _, out _))
        {
            Counters.Count(IceCounter.StunMalformed);
            return;
        }

        IPEndPoint from;
        try
        {
            from = (IPEndPoint)socket.LocalEndPoint.Create(source);
        }
        catch (ArgumentException)
        {
            Counters.Count(IceCounter.StunMalformed);
            return;
        }

        if (!TryQueueStun())
        {
            return;
        }

        var copy = datagram.ToArray();
        Post(() => HandleStun(copy, from, socket));
    }

    private void HandleStun(byte[] datagram, IPEndPoint source, IDatagramSocket socket)
    {
        DequeuedStun();
        if (_state == IceConnectionState.Closed || !StunMessage.TryParse(datagram, out var message, out _))
        {
            return;
        }

        if (message.Method != StunMethod.Binding)
        {
            return;
        }

        switch (message.Class)
        {
            case StunClass.Request:
                HandleRequest(message, source, socket);
                break;
            case StunClass.SuccessResponse:
            case StunClass.ErrorResponse:
                HandleResponse(message, source, socket);
                break;
            default:
                break; // Binding indications are keepalives (RFC 8445 §11)
        }
    }

    private void HandleRequest(StunMessageView request, IPEndPoint source, IDatagramSocket socket)
    {
        if (!request.TryGetUsername(out var username) || !request.HasMessageIntegrity)
        {
            Counters.Count(IceCounter.BadRequests);
            AnswerUnauthenticated(request.TransactionId, source, socket, 400, "Bad Request");
            return;
        }

        var generation = FindGenerationByLocalUfrag(username, out var previousCredentials);
        if (generation is null)
        {
            Counters.Count(IceCounter.UnknownUsername);
            AnswerUnauthenticated(request.TransactionId, source, socket, 401, "Unauthorized");
            return;
        }

        var localKey = previousCredentials ? generation.PreviousLocalKey! : generation.LocalKey;
        if (!request.VerifyMessageIntegrity(localKey))
        {
            Counters.Count(IceCounter.IntegrityFailures);
            IceLog.IntegrityFailed(_logger, source);
            AnswerUnauthenticated(request.TransactionId, source, socket, 401, "Unauthorized");
            return;
        }

        if (_addressPolicy.Check(source.Address) is var refusal and not IceAddressRefusal.None)
        {
            // Authenticated, but from an address the policy refuses (a loopback or private source): no answer, no pair.
            Counters.Count(IceCounter.RemoteCandidatesRefused);
            IceLog.SourceRefused(_logger, source, refusal);
            return;
        }

        _sources.MarkAuthenticated(source);

        // RFC 8445 §7.3.1.1 role conflict.
        if (_role == IceRole.Controlling && request.TryGetIceControlling(out var theirs))
        {
            Counters.Count(IceCounter.RoleConflicts);
            if (_tieBreaker >= theirs)
            {
                SendError(request.TransactionId, source, socket, 487, "Role Conflict", localKey);
                IceLog.RequestHandled(_logger, source, generation.Number, _current.Number, _role, request.HasUseCandidate(), "487 (we stay controlling)");
                return;
            }

            SwitchRole(IceRole.Controlled);
        }
        else if (_role == IceRole.Controlled && request.TryGetIceControlled(out theirs))
        {
            Counters.Count(IceCounter.RoleConflicts);
            if (_tieBreaker >= theirs)
            {
                SwitchRole(IceRole.Controlling);
            }
            else
            {
                SendError(request.TransactionId, source, socket, 487, "Role Conflict", localKey);
                IceLog.RequestHandled(_logger, source, generation.Number, _current.Number, _role, request.HasUseCandidate(), "487 (we stay controlled)");
                return;
            }
        }

        SendSuccess(request.TransactionId, source, socket, localKey);
        Counters.Count(IceCounter.RequestsAnswered);
        var peerPriority = request.TryGetPriority(out var p) ? p : IceCandidate.ComputePriority(IceCandidateType.PeerReflexive, 65535);
        var peerNominates = request.HasUseCandidate();
        if (!ReferenceEquals(generation, _current))
        {
            IceLog.RequestHandled(_logger, source, generation.Number, _current.Number, _role, peerNominates, "answered (old generation)");
            return; // an old generation: answering keeps the peer's consent alive, nothing else
        }

        OnPeerCheck(generation, source, socket, peerPriority, peerNominates, previousCredentials);
    }

    /// <summary>An authenticated check from the peer on <paramref name="generation"/>: pair it, then trigger or select (RFC 8445 §7.3.1.4).</summary>
    private void OnPeerCheck(IceGeneration generation, IPEndPoint source, IDatagramSocket socket, uint peerPriority, bool peerNominates, bool previousCredentials)
    {
        var remote = FindRemote(generation, source);
        if (remote is null)
        {
            if (generation.RemoteCandidates.Count >= _options.MaxRemoteCandidates)
            {
                Counters.Count(IceCounter.RemoteCandidatesRefused);
                return;
            }

            remote = LearnPeerReflexive(generation, source, peerPriority);
        }

        var local = ChooseLocal(socket, source);
        if (local is null)
        {
            return;
        }

        var pair = FindPair(generation, socket, source) ?? AddPair(generation, local, remote, source);
        if (pair is null)
        {
            return;
        }

        var useCandidate = _role == IceRole.Controlled && peerNominates;
        if (useCandidate)
        {
            pair.NominatedByPeer = true;
        }

        pair.CheckedByPeer = true;
        pair.PeerUsesPreviousLocalCredentials = previousCredentials;
        IceLog.PeerChecked(_logger, pair, generation.Number, _role, useCandidate, previousCredentials);
        switch (pair.State)
        {
            case IceCandidatePairState.Succeeded:
                if (useCandidate)
                {
                    Select(pair, nominated: true);
                }
                else
                {
                    SelectIfFirstUsable(pair);
                }

                break;
            case IceCandidatePairState.InProgress:
                // RFC 8445 §7.3.1.4: the peer's check just crossed this pair, so our own check (or its response) was
                // probably lost. Cancel its retransmissions and check again at the next pacing slot instead of waiting
                // out the RTO: on a lossy path this turns a 500 ms – 1.5 s wait into one pacing interval.
                _transactions.CancelChecksOf(pair);
                pair.State = IceCandidatePairState.Waiting;
                if (!generation.Triggered.Contains(pair))
                {
                    generation.Triggered.Enqueue(pair);
                }

                break;
            default:
                // RFC 8445 §7.3.1.4 triggered check.
                pair.State = IceCandidatePairState.Waiting;
                if (!generation.Triggered.Contains(pair))
                {
                    generation.Triggered.Enqueue(pair);
                }

                break;
        }
    }

    private void HandleResponse(StunMessageView response, IPEndPoint source, IDatagramSocket socket)
    {
        var id = IceTransaction.KeyOf(response.TransactionId);
        if (!_transactions.TryGet(id, out var transaction))
        {
            Counters.Count(IceCounter.UnmatchedResponses);
            return;
        }

        if (transaction.Kind == IceTransactionKind.StunServer)
        {
            _transactions.Complete(transaction);
            if (response.Class == StunClass.SuccessResponse && response.TryGetXorMappedAddress(out var mapped) && mapped is not null)
            {
                OnServerReflexive(transaction.Socket, mapped);
            }

            OnServerTransactionDone();
            return;
        }

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
            Counters.Count(IceCounter.IntegrityFailures);
            IceLog.IntegrityFailed(_logger, source);
            return;
        }

        _transactions.Complete(transaction);
        var pair = transaction.Pair!;
        if (isError && transaction.UseCandidate && ReferenceEquals(generation.NominationInFlight, pair))
        {
            generation.NominationInFlight = null;
        }

        if (!ReferenceEquals(socket, transaction.Socket) || !source.Equals(transaction.Destination))
        {
            // RFC 8445 §7.2.5.2.1: non-symmetric addresses fail the check.
            pair.State = IceCandidatePairState.Failed;
            IceLog.CheckOutcome(_logger, pair, generation.Number, "failed: answered from another address");
            return;
        }

        if (isError)
        {
            OnCheckError(transaction, pair, generation, errorCode);
            IceLog.CheckError(_logger, pair, generation.Number, errorCode);
            return;
        }

        _sources.MarkAuthenticated(source);
        var now = _time.GetUtcNow();
        if (transaction.Transmissions == 1)
        {
            Volatile.Write(ref _roundTripTicks, Math.Max(1, (now - transaction.FirstSentAt).Ticks));
        }

        if (ReferenceEquals(pair, _selected))
        {
            _lastConsentResponse = now;
            if (_state == IceConnectionState.Disconnected)
            {
                SetState(IceConnectionState.Connected);
            }
        }

        if (transaction.Kind == IceTransactionKind.Consent)
        {
            return;
        }

        pair.State = IceCandidatePairState.Succeeded;
        generation.FirstValidAt ??= now;
        IceLog.CheckOutcome(_logger, pair, generation.Number, transaction.UseCandidate ? "succeeded (nomination)" : "succeeded");
        if (transaction.UseCandidate || (_role == IceRole.Controlled && pair.NominatedByPeer))
        {
            Select(pair, nominated: true);
            return;
        }

        SelectIfFirstUsable(pair);
        RunNomination(now);
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
            Counters.Count(IceCounter.RoleConflicts);
            SwitchRole(transaction.SentAsControlling ? IceRole.Controlled : IceRole.Controlling);
            pair.State = IceCandidatePairState.Waiting;
            if (!generation.Triggered.Contains(pair))
            {
                generation.Triggered.Enqueue(pair);
            }

            return;
        }

        pair.State = IceCandidatePairState.Failed;
    }

    /// <summary>
    /// The generation a request's USERNAME (ours:theirs) belongs to. <paramref name="previousCredentials"/>: it names our
    /// previous ufrag with the peer's current one — the peer restarted and checks its new generation before our answer
    /// with the new credentials reached it (RFC 8445 §9 leaves this open; libwebrtc does it), so it belongs to the current
    /// generation, authenticated with our previous password.
    /// </summary>
    private IceGeneration? FindGenerationByLocalUfrag(ReadOnlySpan<byte> username, out bool previousCredentials)
    {
        previousCredentials = false;
        var colon = username.IndexOf((byte)':');
        var localPart = colon < 0 ? username : username[..colon];
        if (UfragEquals(localPart, _current.Local.Ufrag))
        {
            return _current;
        }

        if (_current.PreviousLocal is { } previous && UfragEquals(localPart, previous.Ufrag) && RemotePartIs(username, _current.Remote))
        {
            previousCredentials = true;
            return _current;
        }

        return _previous is not null && UfragEquals(localPart, _previous.Local.Ufrag) ? _previous : null;
    }

    /// <summary>Whether the USERNAME's second half (the sender's ufrag, RFC 8445 §7.2.2) is <paramref name="remote"/>'s.</summary>
    private static bool RemotePartIs(ReadOnlySpan<byte> username, IceCredentials? remote)
    {
        var colon = username.IndexOf((byte)':');
        return remote is not null && colon >= 0 && UfragEquals(username[(colon + 1)..], remote.Ufrag);
    }

    private static bool UfragEquals(ReadOnlySpan<byte> utf8, string ufrag)
    {
        if (utf8.Length != ufrag.Length)
        {
            return false;
        }

        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] != ufrag[i])
            {
                return false;
            }
        }

        return true;
    }

    private void SwitchRole(IceRole role)
    {
        if (_role == role)
        {
            return;
        }

        _role = role;
        foreach (var pair in _current.Pairs)
        {
            pair.ComputePriority(role);
        }

        _current.NominationInFlight = null;
        IceLog.RoleSwitched(_logger, role);
    }

    private static IceCandidatePair? FindPair(IceGeneration generation, IDatagramSocket socket, IPEndPoint remote)
    {
        foreach (var pair in generation.Pairs)
        {
            if (pair.Matches(socket, remote))
            {
                return pair;
            }
        }

        return null;
    }

    /// <summary>A new pair on the checklist, or null when the generation already has <see cref="IceOptions.MaxCandidatePairs"/>.</summary>
    private IceCandidatePair? AddPair(IceGeneration generation, IceLocalCandidate local, IceCandidate remote, IPEndPoint endPoint)
    {
        if (generation.Pairs.Count >= _options.MaxCandidatePairs)
        {
            Counters.Count(IceCounter.CandidatePairsRefused);
            return null;
        }

        _sources.AllowEarlySource(endPoint);
        var pair = new IceCandidatePair(local, remote, endPoint, generation);
        pair.ComputePriority(_role);
        generation.Pairs.Add(pair);
        return pair;
    }

    private void SendSuccess(ReadOnlySpan<byte> transactionId, IPEndPoint destination, IDatagramSocket socket, byte[] key)
    {
        Span<byte> buffer = stackalloc byte[ResponseBufferSize];
        var writer = new StunWriter(buffer, StunMessageType.BindingSuccess, transactionId);
        writer.AddXorMappedAddress(destination);
        writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        if (writer.TryComplete(out var length))
        {
            socket.TrySendTo(buffer[..length], destination.Serialize());
        }
    }

    private void SendError(ReadOnlySpan<byte> transactionId, IPEndPoint destination, IDatagramSocket socket, int code, string reason, ReadOnlySpan<byte> key)
    {
        Span<byte> buffer = stackalloc byte[ResponseBufferSize];
        var writer = new StunWriter(buffer, StunMessageType.BindingError, transactionId);
        writer.AddErrorCode(code, reason);
        if (!key.IsEmpty)
        {
            writer.AddMessageIntegrity(key);
        }

        writer.AddFingerprint();
        if (writer.TryComplete(out var length))
        {
            socket.TrySendTo(buffer[..length], destination.Serialize());
        }
    }

    /// <summary>Sends a connectivity check or consent request on <paramref name="pair"/> (RFC 8445 §7.2.2).</summary>
    private void SendCheck(IceCandidatePair pair, IceTransactionKind kind, bool useCandidate)
    {
        var generation = pair.Generation;
        if (generation.Remote is null || generation.RemoteKey is null)
        {
            return;
        }

        var controlling = _role == IceRole.Controlling;
        var transaction = new IceTransaction(kind, pair.Socket, pair.RemoteEndPoint)
        {
            Pair = pair,
            Generation = generation,
            UseCandidate = useCandidate,
            SentAsControlling = controlling,
            MaxTransmissions = kind == IceTransactionKind.Consent ? 3 : _options.MaxCheckTransmissions,
            Rto = _options.CheckRto,
            MaxRto = _options.MaxCheckRto,
        };
        Span<byte> transactionId = stackalloc byte[StunConstants.TransactionIdSize];
        RandomNumberGenerator.Fill(transactionId);
        var writer = new StunWriter(transaction.Buffer, StunMessageType.BindingRequest, transactionId);
        writer.AddUsername(generation.Remote.Ufrag + ":" + generation.LocalUfragFor(pair));
        writer.AddPriority(IceCandidate.ComputePriority(IceCandidateType.PeerReflexive, pair.Local.LocalPreference));
        if (controlling)
        {
            writer.AddIceControlling(_tieBreaker);
        }
        else
        {
            writer.AddIceControlled(_tieBreaker);
        }

        if (useCandidate)
        {
            writer.AddUseCandidate();
        }

        if (_options.Software is { } software)
        {
            writer.AddSoftware(software);
        }

        writer.AddMessageIntegrity(generation.RemoteKey);
        writer.AddFingerprint();
        if (!TrySeal(ref writer, transaction, transactionId))
        {
            return;
        }

        _transactions.Start(transaction, _time.GetUtcNow());
        Counters.Count(IceCounter.ChecksSent);
        if (kind == IceTransactionKind.Check)
        {
            IceLog.CheckSent(_logger, pair, generation.Number, _role, useCandidate);
        }

        if (kind == IceTransactionKind.Check)
        {
            pair.State = IceCandidatePairState.InProgress;
        }
    }

    private void SendServerRequest(IDatagramSocket socket, IPEndPoint server)
    {
        var transaction = new IceTransaction(IceTransactionKind.StunServer, socket, server)
        {
            MaxTransmissions = _options.StunServerTransmissions,
            Rto = _options.StunServerRto,
            MaxRto = _options.StunServerRto * 4,
        };
        Span<byte> transactionId = stackalloc byte[StunConstants.TransactionIdSize];
        RandomNumberGenerator.Fill(transactionId);
        var writer = new StunWriter(transaction.Buffer, StunMessageType.BindingRequest, transactionId);
        writer.AddFingerprint();
        if (!TrySeal(ref writer, transaction, transactionId))
        {
            return;
        }

        _pendingServerTransactions++;
        _transactions.Start(transaction, _time.GetUtcNow());
    }

    /// <summary>Completes the request into the transaction's buffer and keys it by its id; on overflow the transaction is disposed.</summary>
    private static bool TrySeal(ref StunWriter writer, IceTransaction transaction, ReadOnlySpan<byte> transactionId)
    {
        if (!writer.TryComplete(out var length))
        {
            transaction.Dispose();
            return false;
        }

        transaction.Length = length;
        transaction.Id = IceTransaction.KeyOf(transactionId);
        return true;
    }

    private void OnServerTransactionDone()
    {
        if (--_pendingServerTransactions == 0)
        {
            FinishGathering();
        }
    }
}
