using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Turn;

namespace CallBot.Rtc.Tests.Turn;

/// <summary>
/// A scripted "TURN server" on a loopback UDP socket: every datagram it receives is recorded and
/// answered with whatever <see cref="Respond"/> returns (nothing, garbage, or crafted responses).
/// </summary>
internal sealed class FakeTurnServer : IAsyncDisposable
{
    public const string Realm = "fake.test";
    public const string Username = "u";
    public const string Password = "p";

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public FakeTurnServer(Func<byte[], IEnumerable<byte[]>> respond)
    {
        Respond = respond;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(LoopAsync);
    }

    public IPEndPoint EndPoint { get; }

    public Func<byte[], IEnumerable<byte[]>> Respond { get; set; }

    public Channel<byte[]> Received { get; } = Channel.CreateUnbounded<byte[]>();

    public static byte[] Key => StunIntegrity.LongTermKey(Username, Realm, Password);

    public TurnClientOptions ClientOptions() => new()
    {
        Server = new TurnServerUrl("127.0.0.1", EndPoint.Port, TurnTransportKind.Udp),
        Username = Username,
        Password = Password,
        LocalAddress = IPAddress.Loopback,
        AllocateRetries = 0,
    };

    /// <summary>Next request the client sent; fails after 5 s.</summary>
    public async Task<byte[]> NextRequestAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await Received.Reader.ReadAsync(timeout.Token);
    }

    public static StunMethod MethodOf(byte[] request) => StunMessageType.GetMethod((ushort)((request[0] << 8) | request[1]));

    public static byte[] TransactionIdOf(byte[] request) => request[8..20];

    public static bool HasAttribute(byte[] request, ushort type) =>
        StunMessage.TryParse(request, out var view, out _) && view.HasAttribute(type);

    public static string? NonceOf(byte[] request) =>
        StunMessage.TryParse(request, out var view, out _) && view.TryGetAttribute(StunAttributeType.Nonce, out var nonce)
            ? Encoding.UTF8.GetString(nonce)
            : null;

    public static bool IntegrityValid(byte[] request) =>
        StunMessage.TryParse(request, out var view, out _) && view.VerifyMessageIntegrity(Key);

    /// <summary>An error response with ERROR-CODE, and REALM/NONCE when given.</summary>
    public static byte[] Error(byte[] request, int code, string reason, string? nonce = null)
    {
        var buffer = new byte[512];
        var writer = new StunWriter(buffer, StunMessageType.Encode(MethodOf(request), StunClass.ErrorResponse), TransactionIdOf(request));
        writer.AddErrorCode(code, reason);
        if (nonce is not null)
        {
            writer.AddAttribute(StunAttributeType.Realm, Encoding.UTF8.GetBytes(Realm));
            writer.AddAttribute(StunAttributeType.Nonce, Encoding.UTF8.GetBytes(nonce));
        }

        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var length));
        return buffer[..length];
    }

    /// <summary>A success response to Allocate with relayed/mapped addresses and LIFETIME, signed with the long-term key.</summary>
    public static byte[] AllocateSuccess(byte[] request, IPEndPoint relayed, uint lifetimeSeconds = 600, byte[]? key = null)
    {
        var buffer = new byte[512];
        var transactionId = TransactionIdOf(request);
        var writer = new StunWriter(buffer, StunMessageType.Encode(StunMethod.Allocate, StunClass.SuccessResponse), transactionId);
        var address = new byte[8];
        StunXorAddress.Encode(relayed, transactionId, address);
        writer.AddAttribute(TurnAttributeType.XorRelayedAddress, address);
        writer.AddXorMappedAddress(new IPEndPoint(IPAddress.Loopback, 40000));
        writer.AddAttribute(TurnAttributeType.Lifetime, new byte[] { (byte)(lifetimeSeconds >> 24), (byte)(lifetimeSeconds >> 16), (byte)(lifetimeSeconds >> 8), (byte)lifetimeSeconds });
        writer.AddMessageIntegrity(key ?? Key);
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var length));
        return buffer[..length];
    }

    /// <summary>A signed, empty success response (CreatePermission, ChannelBind), or with LIFETIME for Refresh.</summary>
    public static byte[] Success(byte[] request, uint? lifetimeSeconds = null)
    {
        var buffer = new byte[512];
        var writer = new StunWriter(buffer, StunMessageType.Encode(MethodOf(request), StunClass.SuccessResponse), TransactionIdOf(request));
        if (lifetimeSeconds is { } seconds)
        {
            writer.AddAttribute(TurnAttributeType.Lifetime, new byte[] { (byte)(seconds >> 24), (byte)(seconds >> 16), (byte)(seconds >> 8), (byte)seconds });
        }

        writer.AddMessageIntegrity(Key);
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var length));
        return buffer[..length];
    }

    /// <summary>Answers like a permissive TURN server: 401 challenge first, then success to everything.</summary>
    public static IEnumerable<byte[]> Permissive(byte[] request)
    {
        if (NonceOf(request) is null)
        {
            return [Error(request, 401, "Unauthorized", "n")];
        }

        return MethodOf(request) switch
        {
            StunMethod.Allocate => [AllocateSuccess(request, new IPEndPoint(IPAddress.Parse("192.0.2.10"), 50000))],
            StunMethod.Refresh => [Success(request, 600)],
            _ => [Success(request)],
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await _socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var request = buffer[..result.ReceivedBytes];
            Received.Writer.TryWrite(request);
            foreach (var reply in Respond(request))
            {
                await _socket.SendToAsync(reply, result.RemoteEndPoint);
            }
        }
    }
}
