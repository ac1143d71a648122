using System.Security.Cryptography;
using System.Text;
using CallBot.Rtc.Stun;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Turn;

/// <summary>Writes the method-specific attributes of a request (before the credentials).</summary>
internal delegate void TurnAttributeWriter<in TState>(ref StunWriter writer, TState state);

/// <summary>Requests, retransmission and long-term credentials (RFC 8489 §6.2, §9.2).</summary>
public sealed partial class TurnClient
{
    private string? _realm;
    private byte[]? _realmBytes;
    private byte[]? _nonce;
    private byte[]? _key;

    /// <summary>
    /// Runs one request to completion: the first unauthenticated request is answered 401 with REALM and
    /// NONCE, we derive the key and repeat it once; 438 (stale nonce) repeats it with the new nonce. A
    /// second 401 means wrong credentials and is surfaced, so a bad password never loops.
    /// </summary>
    private async Task<byte[]> TransactAsync<TState>(StunMethod method, TurnAttributeWriter<TState> attributes, TState state, CancellationToken cancellationToken)
    {
        const int MaxStaleNonceRetries = 2;
        var challenged = false;
        var staleRetries = 0;
        while (true)
        {
            var transactionId = new byte[StunConstants.TransactionIdSize];
            RandomNumberGenerator.Fill(transactionId);
            var request = BuildRequest(method, transactionId, attributes, state, out var key);
            var response = await RunTransactionAsync(transactionId, request, key, cancellationToken).ConfigureAwait(false);
            var info = TurnResponse.Inspect(response);
            if (info.Success)
            {
                return response;
            }

            Counters.Count(TurnCounter.ErrorResponses);
            if (info.Code == TurnErrorCode.Unauthorized && !challenged && TryTakeChallenge(info))
            {
                challenged = true;
                TurnLog.Challenge(_logger, method.ToString(), info.Code);
                continue;
            }

            if (info.Code == TurnErrorCode.StaleNonce && staleRetries < MaxStaleNonceRetries && TryTakeChallenge(info))
            {
                staleRetries++;
                TurnLog.Challenge(_logger, method.ToString(), info.Code);
                continue;
            }

            throw new TurnErrorResponseException(method.ToString(), info.Code, info.Reason);
        }
    }

    private byte[] BuildRequest<TState>(StunMethod method, byte[] transactionId, TurnAttributeWriter<TState> attributes, TState state, out byte[]? key)
    {
        byte[]? realm;
        byte[]? nonce;
        lock (_gate)
        {
            key = _key;
            realm = _realmBytes;
            nonce = _nonce;
        }

        var buffer = new byte[StunConstants.MaxMessageSize];
        var writer = new StunWriter(buffer, StunMessageType.Encode(method, StunClass.Request), transactionId);
        attributes(ref writer, state);
        if (_options.Software is { } software)
        {
            writer.AddSoftware(software);
        }

        if (key is not null && realm is not null && nonce is not null)
        {
            writer.AddUsername(_options.Username);
            writer.AddAttribute(StunAttributeType.Realm, realm);
            writer.AddAttribute(StunAttributeType.Nonce, nonce);
            writer.AddMessageIntegrity(key);
        }

        writer.AddFingerprint();
        if (!writer.TryComplete(out var length))
        {
            throw new TurnException($"TURN {method} request does not fit in {StunConstants.MaxMessageSize} bytes");
        }

        return buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>Sends and waits; over UDP retransmits at RTO, 2·RTO, … (Rc sends, then Rm·RTO), RFC 8489 §6.2.1.</summary>
    private async Task<byte[]> RunTransactionAsync(byte[] transactionId, byte[] request, byte[]? key, CancellationToken cancellationToken)
    {
        ITurnTransport transport;
        lock (_gate)
        {
            transport = _transport ?? throw new TurnException("not connected to the TURN server");
        }

        var completion = _transactions.Register(transactionId, key);
        try
        {
            if (transport.IsReliable)
            {
                Send(transport, request);
                return await WaitAsync(completion, _options.ReliableTransactionTimeout, cancellationToken).ConfigureAwait(false)
                    ?? throw new TurnTimeoutException($"no TURN response within {_options.ReliableTransactionTimeout}");
            }

            var rto = _options.InitialRto;
            var transmissions = Math.Max(1, _options.MaxTransmissions);
            for (var i = 0; i < transmissions; i++)
            {
                if (i > 0)
                {
                    Counters.Count(TurnCounter.Retransmissions);
                }

                Send(transport, request);
                var wait = i == transmissions - 1 ? _options.InitialRto * _options.LastWaitMultiplier : rto;
                if (await WaitAsync(completion, wait, cancellationToken).ConfigureAwait(false) is { } response)
                {
                    return response;
                }

                rto *= 2;
            }

            throw new TurnTimeoutException($"no TURN response after {transmissions} transmissions");
        }
        finally
        {
            _transactions.Remove(transactionId);
        }
    }

    private void Send(ITurnTransport transport, byte[] request)
    {
        Counters.Count(TurnCounter.RequestsSent);
        if (!transport.TrySend(request))
        {
            Counters.Count(TurnCounter.SendFailures);
        }
    }

    private async Task<byte[]?> WaitAsync(Task<byte[]> completion, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await completion.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private bool TryTakeChallenge(TurnResponseInfo info)
    {
        lock (_gate)
        {
            var realm = info.Realm ?? _realm;
            if (realm is null || info.Nonce is null)
            {
                return false;
            }

            if (!string.Equals(realm, _realm, StringComparison.Ordinal) || _key is null)
            {
                _realm = realm;
                _realmBytes = Encoding.UTF8.GetBytes(realm);
                _key = StunIntegrity.LongTermKey(_options.Username, realm, _options.Password);
            }

            _nonce = info.Nonce;
            return true;
        }
    }

    private void ClearCredentials()
    {
        _realm = null;
        _realmBytes = null;
        _nonce = null;
        _key = null;
    }

    /// <summary>Every frame from the server, on the transport's receive loop. Never throws.</summary>
    internal void OnFrame(ReadOnlySpan<byte> frame)
    {
        try
        {
            if (ChannelData.LooksLikeChannelData(frame))
            {
                OnChannelData(frame);
                return;
            }

            if (!StunMessage.TryParse(frame, out var message, out _))
            {
                Counters.Drops.Count(StunMessage.LooksLikeStun(frame) ? TurnDropReason.BadStun : TurnDropReason.NotStunOrChannelData);
                return;
            }

            switch (message.Class)
            {
                case StunClass.SuccessResponse or StunClass.ErrorResponse:
                    if (!_transactions.TryComplete(message, out var reason))
                    {
                        Counters.Drops.Count(reason);
                    }

                    break;
                case StunClass.Indication when message.Method == StunMethod.Data:
                    OnDataIndication(message);
                    break;
                default:
                    Counters.Drops.Count(TurnDropReason.UnexpectedStun);
                    break;
            }
        }
#pragma warning disable CA1031 // Bad input from the network must never take the receive loop down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Counters.Count(TurnCounter.HandlerFailures);
            TurnLog.HandlerFailed(_logger, ex);
        }
    }
}
