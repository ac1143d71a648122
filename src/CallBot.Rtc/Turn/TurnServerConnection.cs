using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using CallBot.Rtc.Stun;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Turn;

/// <summary>Writes the method-specific attributes of a request (before the credentials).</summary>
internal delegate void TurnAttributeWriter<in TState>(ref StunWriter writer, TState state);

/// <summary>
/// The connection to the TURN server and the requests on it (RFC 8656 Allocate, Refresh, CreatePermission, ChannelBind):
/// transactions with retransmission over UDP (RFC 8489 §6.2) and long-term credentials (§9.2: the 401 challenge, 438
/// stale nonce). Safe from any thread.
/// </summary>
internal sealed class TurnServerConnection(TurnClientOptions options, TimeProvider time, ILogger logger, TurnCounters counters)
{
    private readonly TurnTransactionTable _transactions = new();
    private readonly Lock _gate = new();
    private ITurnTransport? _transport;
    private string? _realm;
    private byte[]? _realmBytes;
    private byte[]? _nonce;
    private byte[]? _key;

    /// <summary>The connected transport, or null before a connection (or after an abandoned one).</summary>
    public ITurnTransport? Transport => Volatile.Read(ref _transport);

    /// <summary>Uses <paramref name="transport"/> from now on (null: none), with credentials to learn anew.</summary>
    public void Use(ITurnTransport? transport)
    {
        lock (_gate)
        {
            _transport = transport;
            _realm = null;
            _realmBytes = null;
            _nonce = null;
            _key = null;
        }
    }

    public bool IsCurrent(ITurnTransport transport)
    {
        lock (_gate)
        {
            return ReferenceEquals(_transport, transport);
        }
    }

    /// <summary>A response from the server completes its transaction; false (with the reason) when none waits for it.</summary>
    public bool TryComplete(in StunMessageView response, out TurnDropReason reason) => _transactions.TryComplete(response, out reason);

    public void FailAll(Exception exception) => _transactions.FailAll(exception);

    /// <summary>Allocate (RFC 8656 §7.1): a relayed UDP address for <see cref="TurnClientOptions.RequestedLifetime"/>.</summary>
    public Task<byte[]> AllocateAsync(CancellationToken cancellationToken) =>
        TransactAsync(
            StunMethod.Allocate,
            static (ref StunWriter w, TurnClientOptions o) =>
            {
                w.AddAttribute(TurnAttributeType.RequestedTransport, [TurnAttributeType.ProtocolUdp, 0, 0, 0]);
                AddLifetime(ref w, o.RequestedLifetime);
            },
            options,
            cancellationToken);

    /// <summary>Refresh (RFC 8656 §7.2) asking for <paramref name="lifetime"/>; zero releases the allocation.</summary>
    public Task<byte[]> RefreshAsync(TimeSpan lifetime, CancellationToken cancellationToken) =>
        TransactAsync(StunMethod.Refresh, static (ref StunWriter w, TimeSpan l) => AddLifetime(ref w, l), lifetime, cancellationToken);

    /// <summary>CreatePermission (RFC 8656 §9) for every address in <paramref name="peers"/>.</summary>
    public async Task CreatePermissionAsync(IPAddress[] peers, CancellationToken cancellationToken)
    {
        await TransactAsync(
            StunMethod.CreatePermission,
            static (ref StunWriter w, IPAddress[] addresses) =>
            {
                foreach (var address in addresses)
                {
                    // The port is ignored for permissions (RFC 8656 §10.1).
                    AddXorPeerAddress(ref w, new IPEndPoint(address, 0));
                }
            },
            peers,
            cancellationToken).ConfigureAwait(false);
        counters.Count(TurnCounter.PermissionRequests);
    }

    /// <summary>ChannelBind (RFC 8656 §12.1) of <paramref name="peer"/>'s reserved channel.</summary>
    public async Task ChannelBindAsync(TurnPeer peer, CancellationToken cancellationToken)
    {
        await TransactAsync(
            StunMethod.ChannelBind,
            static (ref StunWriter w, TurnPeer p) =>
            {
                var channel = new byte[4]; // cold path; a stack span cannot flow into the ref writer
                BinaryPrimitives.WriteUInt16BigEndian(channel, p.Channel);
                w.AddAttribute(TurnAttributeType.ChannelNumber, channel);
                AddXorPeerAddress(ref w, p.EndPoint);
            },
            peer,
            cancellationToken).ConfigureAwait(false);
        counters.Count(TurnCounter.ChannelBinds);
    }

    private static void AddLifetime(ref StunWriter writer, TimeSpan lifetime)
    {
        var value = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(value, (uint)Math.Max(0, lifetime.TotalSeconds));
        writer.AddAttribute(TurnAttributeType.Lifetime, value);
    }

    private static void AddXorPeerAddress(ref StunWriter writer, IPEndPoint peer)
    {
        var value = new byte[StunXorAddress.GetSize(AddressFamily.InterNetworkV6)];
        var length = StunXorAddress.Encode(peer, writer.TransactionId, value);
        writer.AddAttribute(TurnAttributeType.XorPeerAddress, value.AsSpan(0, length));
    }

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

            counters.Count(TurnCounter.ErrorResponses);
            if (info.Code == TurnErrorCode.Unauthorized && !challenged && TryTakeChallenge(info))
            {
                challenged = true;
                TurnLog.Challenge(logger, method.ToString(), info.Code);
                continue;
            }

            if (info.Code == TurnErrorCode.StaleNonce && staleRetries < MaxStaleNonceRetries && TryTakeChallenge(info))
            {
                staleRetries++;
                TurnLog.Challenge(logger, method.ToString(), info.Code);
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
        if (options.Software is { } software)
        {
            writer.AddSoftware(software);
        }

        if (key is not null && realm is not null && nonce is not null)
        {
            writer.AddUsername(options.Username);
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
                return await WaitAsync(completion, options.ReliableTransactionTimeout, cancellationToken).ConfigureAwait(false)
                    ?? throw new TurnTimeoutException($"no TURN response within {options.ReliableTransactionTimeout}");
            }

            var rto = options.InitialRto;
            var transmissions = Math.Max(1, options.MaxTransmissions);
            for (var i = 0; i < transmissions; i++)
            {
                if (i > 0)
                {
                    counters.Count(TurnCounter.Retransmissions);
                }

                Send(transport, request);
                var wait = i == transmissions - 1 ? options.InitialRto * options.LastWaitMultiplier : rto;
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
        counters.Count(TurnCounter.RequestsSent);
        if (!transport.TrySend(request))
        {
            counters.Count(TurnCounter.SendFailures);
        }
    }

    private async Task<byte[]?> WaitAsync(Task<byte[]> completion, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await completion.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
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
                _key = StunIntegrity.LongTermKey(options.Username, realm, options.Password);
            }

            _nonce = info.Nonce;
            return true;
        }
    }
}
