using System.Buffers.Binary;
using CallBot.Rtc.Stun;

namespace CallBot.Rtc.Turn;

/// <summary>
/// Outstanding requests by transaction ID. A response completes its request with a copy of its
/// bytes (control messages only, so the copy is fine); a success response to a request that carried
/// credentials must carry a valid MESSAGE-INTEGRITY or it is ignored (RFC 8489 §9.2.5).
/// </summary>
internal sealed class TurnTransactionTable
{
    private readonly Dictionary<Key, Pending> _pending = [];
    private readonly Lock _gate = new();

    public Task<byte[]> Register(ReadOnlySpan<byte> transactionId, byte[]? key)
    {
        var pending = new Pending(key);
        lock (_gate)
        {
            _pending[Key.From(transactionId)] = pending;
        }

        return pending.Completion.Task;
    }

    public void Remove(ReadOnlySpan<byte> transactionId)
    {
        lock (_gate)
        {
            _pending.Remove(Key.From(transactionId));
        }
    }

    /// <summary>Completes the matching request; false (with a reason) if none matches or integrity fails.</summary>
    public bool TryComplete(in StunMessageView response, out TurnDropReason reason)
    {
        Pending? pending;
        lock (_gate)
        {
            _pending.TryGetValue(Key.From(response.TransactionId), out pending);
        }

        if (pending is null)
        {
            reason = TurnDropReason.UnknownTransaction;
            return false;
        }

        if (pending.Key is not null && response.Class == StunClass.SuccessResponse && !response.VerifyMessageIntegrity(pending.Key))
        {
            reason = TurnDropReason.BadIntegrity;
            return false;
        }

        lock (_gate)
        {
            _pending.Remove(Key.From(response.TransactionId));
        }

        pending.Completion.TrySetResult(response.Raw.ToArray());
        reason = TurnDropReason.None;
        return true;
    }

    public void FailAll(Exception exception)
    {
        Pending[] all;
        lock (_gate)
        {
            all = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (var pending in all)
        {
            pending.Completion.TrySetException(exception);
        }
    }

    private sealed class Pending(byte[]? key)
    {
        public byte[]? Key { get; } = key;

        public TaskCompletionSource<byte[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly record struct Key(ulong High, uint Low)
    {
        public static Key From(ReadOnlySpan<byte> transactionId) =>
            new(BinaryPrimitives.ReadUInt64BigEndian(transactionId), BinaryPrimitives.ReadUInt32BigEndian(transactionId[8..]));
    }
}
