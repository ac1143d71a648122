using System.Net;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Ice;

/// <summary>
/// Answers the peer's Binding requests (RFC 8445 §7.3): authenticates them against the generation their USERNAME names,
/// resolves role conflicts (§7.3.1.1), answers (errors to unauthenticated requests within a rate) and hands each
/// authenticated check of the current generation to the <see cref="IceCheckScheduler"/>. Owned by the agent loop.
/// </summary>
internal sealed class IceStunResponder(
    IceCounters counters,
    ILogger logger,
    IceGenerations generations,
    IceChecklist checklist,
    IceRemoteCandidatePolicy policy,
    IceSourceVerifier sources,
    IceAnswerRateLimiter answerLimiter,
    IceCheckScheduler checks)
{
    private const int ResponseBufferSize = 256;

    public void HandleRequest(StunMessageView request, IPEndPoint source, IDatagramSocket socket)
    {
        if (!request.TryGetUsername(out var username) || !request.HasMessageIntegrity)
        {
            counters.Count(IceCounter.BadRequests);
            AnswerUnauthenticated(request.TransactionId, source, socket, 400, "Bad Request");
            return;
        }

        var generation = generations.FindByLocalUfrag(username, out var previousCredentials);
        if (generation is null)
        {
            counters.Count(IceCounter.UnknownUsername);
            AnswerUnauthenticated(request.TransactionId, source, socket, 401, "Unauthorized");
            return;
        }

        var localKey = previousCredentials ? generation.PreviousLocalKey! : generation.LocalKey;
        if (!request.VerifyMessageIntegrity(localKey))
        {
            counters.Count(IceCounter.IntegrityFailures);
            IceLog.IntegrityFailed(logger, source);
            AnswerUnauthenticated(request.TransactionId, source, socket, 401, "Unauthorized");
            return;
        }

        if (!policy.AdmitsSource(source))
        {
            return; // authenticated, but from an address the policy refuses (a loopback or private source): no answer, no pair
        }

        sources.MarkAuthenticated(source);
        if (!ResolveRoleConflict(request, source, socket, generation, localKey))
        {
            return;
        }

        SendSuccess(request.TransactionId, source, socket, localKey);
        counters.Count(IceCounter.RequestsAnswered);
        var peerPriority = request.TryGetPriority(out var p) ? p : IceCandidate.ComputePriority(IceCandidateType.PeerReflexive, 65535);
        var peerNominates = request.HasUseCandidate();
        if (!ReferenceEquals(generation, generations.Current))
        {
            IceLog.RequestHandled(logger, source, generation.Number, generations.Current.Number, checklist.Role, peerNominates, "answered (old generation)");
            return; // an old generation: answering keeps the peer's consent alive, nothing else
        }

        checks.OnPeerCheck(generation, source, socket, peerPriority, peerNominates, previousCredentials);
    }

    /// <summary>RFC 8445 §7.3.1.1: false when the request was answered 487 (we keep our role); otherwise our role may have switched.</summary>
    private bool ResolveRoleConflict(StunMessageView request, IPEndPoint source, IDatagramSocket socket, IceGeneration generation, byte[] localKey)
    {
        var role = checklist.Role;
        ulong theirs;
        if (role == IceRole.Controlling && request.TryGetIceControlling(out theirs))
        {
            counters.Count(IceCounter.RoleConflicts);
            if (checklist.TieBreaker < theirs)
            {
                checklist.SwitchRole(IceRole.Controlled);
                return true;
            }
        }
        else if (role == IceRole.Controlled && request.TryGetIceControlled(out theirs))
        {
            counters.Count(IceCounter.RoleConflicts);
            if (checklist.TieBreaker >= theirs)
            {
                checklist.SwitchRole(IceRole.Controlling);
                return true;
            }
        }
        else
        {
            return true;
        }

        SendError(request.TransactionId, source, socket, 487, "Role Conflict", localKey);
        IceLog.RequestHandled(logger, source, generation.Number, generations.Current.Number, role, request.HasUseCandidate(),
            role == IceRole.Controlling ? "487 (we stay controlling)" : "487 (we stay controlled)");
        return false;
    }

    /// <summary>A 400/401 to a request that failed authentication, within <see cref="IceOptions.UnauthenticatedAnswersPerSecond"/>.</summary>
    private void AnswerUnauthenticated(ReadOnlySpan<byte> transactionId, IPEndPoint source, IDatagramSocket socket, int code, string reason)
    {
        if (!answerLimiter.TryTake())
        {
            counters.Count(IceCounter.UnauthenticatedRequestsNotAnswered);
            return;
        }

        SendError(transactionId, source, socket, code, reason, key: default);
    }

    private static void SendSuccess(ReadOnlySpan<byte> transactionId, IPEndPoint destination, IDatagramSocket socket, byte[] key)
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

    private static void SendError(ReadOnlySpan<byte> transactionId, IPEndPoint destination, IDatagramSocket socket, int code, string reason, ReadOnlySpan<byte> key)
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
}
