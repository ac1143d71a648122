using System.Net;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Ice;

/// <summary>
/// Bounds on what a remote party can make the agent do: which candidates it pairs (address policy, counts), how many
/// unauthenticated requests it answers, and how much STUN waits for the loop.
/// </summary>
public sealed partial class IceAgent
{
    /// <summary>STUN datagrams copied to the agent loop and not handled yet; beyond this a flood is dropped on the receive loop.</summary>
    public const int MaxQueuedStun = 256;

    private readonly IceAddressPolicy _addressPolicy;
    private int _queuedStun;

    /// <summary>Test hook: pairs on the current generation's checklist (loop-owned: read after <see cref="FlushAsync"/>).</summary>
    internal int CandidatePairCount => _current.Pairs.Count;

    /// <summary>Diagnostics for a failed test: role, generation and every pair's state, read on the agent loop.</summary>
    internal async Task<string> DescribeChecklistAsync()
    {
        var described = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_work.Writer.TryWrite(() => described.TrySetResult(
                $"role {_role}, generation {_current.Number} (remote {(_current.Remote is null ? "unknown" : "known")}, triggered {_current.Triggered.Count}, " +
                $"nominated {_current.Nominated}), pairs: {string.Join("; ", _current.Pairs.Select(p => $"{p} peer-checked {p.CheckedByPeer} peer-nominated {p.NominatedByPeer}"))}")))
        {
            return "agent closed";
        }

        return await described.Task.ConfigureAwait(false);
    }

    /// <summary>The policy check of a remote candidate (address, count, ufrag grammar); refusals are counted and logged.</summary>
    private bool PassesRemotePolicy(IceCandidate candidate)
    {
        if (candidate.Ufrag is { } ufrag && !IceCredentials.IsValidUfrag(ufrag))
        {
            RefuseRemote(candidate, IceAddressRefusal.BadUfrag);
            return false;
        }

        if (candidate.IsMdns || !LooksLikeLiteral(candidate.Address))
        {
            return true; // a name: never resolved, never sent to (kept aside, bounded)
        }

        var refusal = _addressPolicy.Check(candidate.Address, out _);
        if (refusal != IceAddressRefusal.None)
        {
            RefuseRemote(candidate, refusal);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Anything a resolver-free parser could read as an IP address is judged as one (digits, dots, hex, colons): an
    /// integer <c>2130706433</c> is not a name to keep aside but a loopback address in disguise, refused as non-canonical.
    /// </summary>
    private static bool LooksLikeLiteral(string address)
    {
        if (address.Contains(':', StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var c in address)
        {
            if (!(char.IsAsciiDigit(c) || c == '.' || char.IsAsciiHexDigit(c) || c is 'x' or 'X'))
            {
                return false;
            }
        }

        return true;
    }

    private void RefuseRemote(IceCandidate candidate, IceAddressRefusal refusal)
    {
        Counters.Count(IceCounter.RemoteCandidatesRefused);
        IceLog.CandidateRefused(_logger, candidate.Address.Length > 64 ? candidate.Address[..64] : candidate.Address, candidate.Port, refusal);
    }

    /// <summary>A 400/401 to a request that failed authentication, within <see cref="IceOptions.UnauthenticatedAnswersPerSecond"/>.</summary>
    private void AnswerUnauthenticated(ReadOnlySpan<byte> transactionId, IPEndPoint source, IDatagramSocket socket, int code, string reason)
    {
        if (!_answerLimiter.TryTake())
        {
            Counters.Count(IceCounter.UnauthenticatedRequestsNotAnswered);
            return;
        }

        SendError(transactionId, source, socket, code, reason, key: default);
    }

    /// <summary>Receive loop: true when one more STUN datagram may be queued for the agent loop.</summary>
    private bool TryQueueStun()
    {
        if (Interlocked.Increment(ref _queuedStun) <= MaxQueuedStun)
        {
            return true;
        }

        Interlocked.Decrement(ref _queuedStun);
        Counters.Count(IceCounter.StunQueueFull);
        return false;
    }

    private void DequeuedStun() => Interlocked.Decrement(ref _queuedStun);
}
