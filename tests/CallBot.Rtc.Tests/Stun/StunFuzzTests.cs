using CallBot.Rtc.Stun;
using CallBot.Rtc.Ice;

namespace CallBot.Rtc.Tests.Stun;

public class StunFuzzTests
{
    [Fact]
    public void Random_and_mutated_datagrams_never_throw()
    {
        var random = new Random(5769);
        var key = StunIntegrity.ShortTermKey(Rfc5769Vectors.ShortTermPassword);
        byte[][] seeds = [Rfc5769Vectors.Request, Rfc5769Vectors.ResponseIPv4, Rfc5769Vectors.ResponseIPv6, Rfc5769Vectors.RequestLongTerm];
        var accepted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            byte[] datagram;
            if (i % 4 == 0)
            {
                datagram = new byte[random.Next(0, 200)];
                random.NextBytes(datagram);
                if (datagram.Length >= 8 && i % 8 == 0)
                {
                    // Make the header plausible so the attribute walker is exercised.
                    datagram[0] &= 0x3F;
                    datagram[2] = (byte)((datagram.Length - 20) >> 8);
                    datagram[3] = (byte)(datagram.Length - 20);
                    datagram[4] = 0x21;
                    datagram[5] = 0x12;
                    datagram[6] = 0xa4;
                    datagram[7] = 0x42;
                }
            }
            else
            {
                var seed = seeds[random.Next(seeds.Length)];
                datagram = (byte[])seed.Clone();
                var flips = random.Next(1, 4);
                for (var f = 0; f < flips; f++)
                {
                    datagram[random.Next(datagram.Length)] = (byte)random.Next(256);
                }

                if (random.Next(4) == 0)
                {
                    Array.Resize(ref datagram, random.Next(datagram.Length));
                }
            }

            if (StunMessage.TryParse(datagram, out var msg, out _))
            {
                accepted++;
                foreach (var attribute in msg.GetAttributes())
                {
                    _ = attribute.Value.Length;
                }

                _ = msg.VerifyMessageIntegrity(key);
                _ = msg.TryGetXorMappedAddress(out _);
                _ = msg.TryGetErrorCode(out _, out _);
                _ = msg.TryGetUsername(out _);
                _ = msg.TryGetPriority(out _);
                _ = msg.TryGetIceControlling(out _);
            }
        }

        // Some mutated messages (e.g. SOFTWARE bytes flipped in the long-term vector) still parse.
        Assert.InRange(accepted, 1, 20_000);
    }
}
