using System.Text;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Tests.Sdp;

/// <summary>
/// Seeded random and mutated SDP text: the parser, the typed views, the answer builder and the negotiator never throw,
/// and whatever parses writes out text that parses again to the same text (the writer is canonical).
/// </summary>
public sealed class SdpFuzzTests
{
    private const int MutationsPerFixture = 250;
    private const int RandomTexts = 2000;
    private const string Alphabet = "vosiuepcbtrzkamxy=: /\r\n0123456789abcdefABCDEF-.;*";

    public static TheoryData<string> Fixtures => new(SdpTestValues.TestDataNames());

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Mutated_fixture_never_throws_and_what_parses_is_canonical(string name)
    {
        var original = SdpTestValues.TestData(name);
        var random = new Random(name.Length * 7919 + original.Length);
        var parsed = 0;
        for (var i = 0; i < MutationsPerFixture; i++)
        {
            var text = Mutate(original, random);
            if (Exercise(text))
            {
                parsed++;
            }
        }

        // Line-level mutations keep many texts valid, so the checks after a successful parse really run.
        Assert.True(parsed > MutationsPerFixture / 10, $"only {parsed} of {MutationsPerFixture} mutations parsed");
    }

    [Fact]
    public void Random_text_never_throws()
    {
        var random = new Random(20261125);
        var builder = new StringBuilder();
        for (var i = 0; i < RandomTexts; i++)
        {
            builder.Clear();
            builder.Append("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
            var length = random.Next(0, 400);
            for (var j = 0; j < length; j++)
            {
                builder.Append(random.Next(8) == 0 ? (char)random.Next(0, 0x3000) : Alphabet[random.Next(Alphabet.Length)]);
            }

            Exercise(builder.ToString());
        }
    }

    private static bool Exercise(string text)
    {
        if (!SdpParser.TryParse(text, out var description, out var error))
        {
            Assert.NotEqual(SdpErrorKind.None, error.Kind);
            return false;
        }

        var written = SdpWriter.Write(description);
        Assert.True(SdpParser.TryParse(written, out var again, out error), error.ToString());
        Assert.Equal(written, SdpWriter.Write(again));

        TouchTypedViews(description);
        var answer = SdpAnswerBuilder.Build(description, SdpTestValues.AnswerOptions());
        Assert.Equal(description.Media.Count, answer.Media.Count);
        _ = SdpNegotiator.TryNegotiate(answer, description, localIsOffer: false, out _, out _);
        _ = SdpNegotiator.TryNegotiate(description, answer, localIsOffer: true, out _, out _);
        return true;
    }

    private static void TouchTypedViews(SessionDescription description)
    {
        _ = description.Groups.Count() + (description.BundleGroup?.Mids.Count ?? 0);
        foreach (var media in description.Media)
        {
            _ = media.PayloadTypes.Count() + media.RtpMaps.Count() + media.Fmtps.Count() + media.RtcpFeedbacks.Count()
                + media.ExtMaps.Count() + media.Ssrcs.Count() + media.SsrcGroups.Count() + media.Bandwidths.Count() + media.Candidates.Count();
            _ = (media.Msid, media.Fingerprint, media.Setup, media.Direction, media.Connection, media.Mid, SdpAnswerBuilder.RemoteBitrate(media));
            _ = media.Fingerprint?.TryGetBytes(out _);
            foreach (var fmtp in media.Fmtps)
            {
                _ = H264Parameters.ProfileOf(fmtp.Parameters);
                _ = H264Parameters.PacketizationModeOf(fmtp.Parameters);
            }
        }
    }

    private static string Mutate(string text, Random random)
    {
        var lines = text.Split("\r\n").ToList();
        var count = random.Next(1, 4);
        for (var i = 0; i < count && lines.Count > 1; i++)
        {
            var index = random.Next(lines.Count);
            switch (random.Next(8))
            {
                case 0: lines.RemoveAt(index); break;
                case 1: lines.Insert(index, lines[random.Next(lines.Count)]); break;
                case 2:
                    var other = random.Next(lines.Count);
                    (lines[index], lines[other]) = (lines[other], lines[index]);
                    break;
                case 3: lines[index] = lines[index][..random.Next(lines[index].Length + 1)]; break;
                case 4: lines[index] = FlipChar(lines[index], random); break;
                case 5: lines[index] = lines[index].Replace(' ', random.Next(2) == 0 ? '/' : ':'); break;
                case 6: lines[index] += Alphabet[random.Next(Alphabet.Length)]; break;
                default: lines[index] = lines[index].Replace("9", random.Next(2) == 0 ? "99999999999999999999" : "-1", StringComparison.Ordinal); break;
            }
        }

        return string.Join("\r\n", lines);
    }

    private static string FlipChar(string line, Random random)
    {
        if (line.Length == 0)
        {
            return line;
        }

        var chars = line.ToCharArray();
        chars[random.Next(chars.Length)] = Alphabet[random.Next(Alphabet.Length)];
        return new string(chars);
    }
}
