using System.Net;
using System.Text;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Turn;
using CallBot.TestSupport.Fuzz;
using CsCheck;

namespace CallBot.Rtc.Tests.Turn;

/// <summary>
/// Issue 16 fuzz coverage: <see cref="TurnResponse"/> reads what a TURN server (or anyone who guessed a transaction id)
/// sends. Arbitrary bytes never throw; well-formed responses read back exactly what was written; mutations of them never
/// throw.
/// </summary>
public sealed class TurnResponsePropertyTests
{
    private const ushort AllocateSuccess = 0x0103;   // method 0x003 (Allocate), class success (RFC 8656 §18)
    private const ushort AllocateError = 0x0113;     // method 0x003, class error

    private static readonly Gen<IPEndPoint> GenEndPoint =
        Gen.Select(Gen.Bool, Gen.Byte.Array[16], Gen.Int[1, 65535]).Select((v6, bytes, port) =>
            new IPEndPoint(new IPAddress(v6 ? bytes : bytes[..4]), port));

    private static readonly Gen<string> GenText = Gen.String[Gen.Char.AlphaNumeric, 0, 100];

    [Fact]
    public void Arbitrary_bytes_never_throw() =>
        Gen.Byte.Array[0, 600].Sample(bytes =>
        {
            var info = TurnResponse.Inspect(bytes);
            Assert.NotNull(info.Reason);
            _ = TurnResponse.ReadAllocation(bytes, TimeSpan.FromMinutes(10));
            _ = TurnResponse.ReadLifetime(bytes);
        }, iter: FuzzBudget.Iterations(20_000), time: FuzzBudget.Seconds, threads: 1, seed: FuzzBudget.Seed, writeLine: FuzzBudget.Report);

    [Fact]
    public void Error_responses_read_back_code_reason_realm_and_nonce() =>
        Gen.Select(Gen.Int[300, 699], GenText, GenText, Gen.Byte.Array[0, 64], Gen.Byte.Array[12]).Sample((code, reason, realm, nonce, id) =>
        {
            var buffer = new byte[1024];
            var writer = new StunWriter(buffer, AllocateError, id);
            writer.AddErrorCode(code, reason);
            writer.AddAttribute(StunAttributeType.Realm, Encoding.UTF8.GetBytes(realm));
            writer.AddAttribute(StunAttributeType.Nonce, nonce);
            writer.AddFingerprint();
            Assert.True(writer.TryComplete(out var length));

            var info = TurnResponse.Inspect(buffer[..length]);
            Assert.False(info.Success);
            Assert.Equal(code, info.Code);
            Assert.Equal(reason, info.Reason);
            Assert.Equal(realm, info.Realm);
            Assert.Equal(nonce, info.Nonce);
        }, iter: FuzzBudget.Iterations(5_000), time: FuzzBudget.Seconds, threads: 1, seed: FuzzBudget.Seed, writeLine: FuzzBudget.Report);

    [Fact]
    public void Allocations_read_back_and_mutated_ones_never_throw() =>
        Gen.Select(GenEndPoint, GenEndPoint, Gen.UInt, Gen.Byte.Array[12], Gen.Int[0, 200].Array[0, 8]).Sample((relayed, mapped, lifetime, id, flips) =>
        {
            var buffer = new byte[512];
            var writer = new StunWriter(buffer, AllocateSuccess, id);
            var slot = new byte[StunXorAddress.GetSize(relayed.AddressFamily)];
            StunXorAddress.Encode(relayed, id, slot);
            writer.AddAttribute(TurnAttributeType.XorRelayedAddress, slot);
            writer.AddXorMappedAddress(mapped);
            var lifetimeValue = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(lifetimeValue, lifetime);
            writer.AddAttribute(TurnAttributeType.Lifetime, lifetimeValue);
            Assert.True(writer.TryComplete(out var length));
            var response = buffer[..length];

            var allocation = TurnResponse.ReadAllocation(response, TimeSpan.FromMinutes(10));
            Assert.NotNull(allocation);
            Assert.Equal(relayed, allocation.RelayedEndPoint);
            Assert.Equal(mapped, allocation.MappedEndPoint);
            Assert.Equal(TimeSpan.FromSeconds(lifetime), allocation.Lifetime);

            // Flip bytes anywhere (header, lengths, attribute types): never a throw.
            foreach (var flip in flips)
            {
                response[flip % response.Length] ^= (byte)(flip | 1);
            }

            _ = TurnResponse.Inspect(response);
            _ = TurnResponse.ReadAllocation(response, TimeSpan.FromMinutes(10));
            _ = TurnResponse.ReadLifetime(response);
        }, iter: FuzzBudget.Iterations(5_000), time: FuzzBudget.Seconds, threads: 1, seed: FuzzBudget.Seed, writeLine: FuzzBudget.Report);
}
