using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Turn;

namespace CallBot.Rtc.Tests.Stun;

/// <summary>
/// Numbers checked against the IANA STUN registries (Methods, Attributes). The registry's rows are read from one file,
/// <c>iana-stun-parameters.csv</c> (an excerpt of https://www.iana.org/assignments/stun-parameters in its CSV shape:
/// value, name, reference); each constant is looked up there by its name, so no number is typed twice.
/// </summary>
public partial class StunIanaTests
{
    private static readonly Lazy<IReadOnlyList<(string Registry, int Value, string Name)>> Registry = new(ReadRegistry);

    public static TheoryData<string, string, ushort> AttributeConstants()
    {
        var data = new TheoryData<string, string, ushort>();
        foreach (var type in new[] { typeof(StunAttributeType), typeof(IceAttributeType), typeof(TurnAttributeType) })
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(ushort)))
            {
                data.Add(type.Name, field.Name, (ushort)field.GetRawConstantValue()!);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AttributeConstants))]
    public void Attribute_numbers_match_registry(string owner, string constant, ushort value)
    {
        var name = RegistryName(constant);
        var row = Registry.Value.SingleOrDefault(r => r.Registry == "attribute" && r.Name == name);

        Assert.True(row.Name is not null, $"{owner}.{constant}: no attribute '{name}' in the registry excerpt");
        Assert.Equal(row.Value, value);
    }

    [Fact]
    public void Constant_names_map_to_registry_names_and_every_group_is_read()
    {
        Assert.True(AttributeConstants().Count >= 25); // STUN's, ICE's and TURN's constants all reached the theory
        Assert.Equal(["PRIORITY", "USE-CANDIDATE", "ICE-CONTROLLED", "ICE-CONTROLLING"], typeof(IceAttributeType).GetFields().Select(f => RegistryName(f.Name)));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Method_numbers_match_registry(StunMethod method)
    {
        var row = Registry.Value.Single(r => r.Registry == "method" && r.Name == method.ToString());
        Assert.Equal(row.Value, (int)method);
    }

    public static TheoryData<StunMethod> Methods() => new(Enum.GetValues<StunMethod>());

    [Theory]
    [InlineData(StunMethod.Binding, StunClass.Request, 0x0001)]
    [InlineData(StunMethod.Binding, StunClass.Indication, 0x0011)]
    [InlineData(StunMethod.Binding, StunClass.SuccessResponse, 0x0101)]
    [InlineData(StunMethod.Binding, StunClass.ErrorResponse, 0x0111)]
    [InlineData(StunMethod.Allocate, StunClass.Request, 0x0003)]
    [InlineData(StunMethod.Allocate, StunClass.SuccessResponse, 0x0103)]
    [InlineData(StunMethod.Refresh, StunClass.Request, 0x0004)]
    [InlineData(StunMethod.Send, StunClass.Indication, 0x0016)]
    [InlineData(StunMethod.Data, StunClass.Indication, 0x0017)]
    [InlineData(StunMethod.CreatePermission, StunClass.Request, 0x0008)]
    [InlineData(StunMethod.ChannelBind, StunClass.Request, 0x0009)]
    public void Message_types_encode_and_decode(StunMethod method, StunClass cls, int wire)
    {
        Assert.Equal(wire, StunMessageType.Encode(method, cls));
        Assert.Equal(method, StunMessageType.GetMethod((ushort)wire));
        Assert.Equal(cls, StunMessageType.GetClass((ushort)wire));
    }

    [Fact]
    public void Header_constants()
    {
        Assert.Equal(0x2112A442u, StunConstants.MagicCookie);
        Assert.Equal(0x5354554Eu, StunConstants.FingerprintXor);
        Assert.Equal(StunMessageType.BindingRequest, StunMessageType.Encode(StunMethod.Binding, StunClass.Request));
        Assert.Equal(StunMessageType.BindingSuccess, StunMessageType.Encode(StunMethod.Binding, StunClass.SuccessResponse));
        Assert.Equal(StunMessageType.BindingError, StunMessageType.Encode(StunMethod.Binding, StunClass.ErrorResponse));
    }

    /// <summary><c>XorMappedAddress</c> → <c>XOR-MAPPED-ADDRESS</c>, <c>MessageIntegritySha256</c> → <c>MESSAGE-INTEGRITY-SHA256</c>.</summary>
    private static string RegistryName(string constant) => WordStart().Replace(constant, "-$1").ToUpperInvariant();

    private static List<(string Registry, int Value, string Name)> ReadRegistry() =>
        File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Stun", "iana-stun-parameters.csv"))
            .Skip(1)
            .Select(line => line.Split(','))
            .Select(cells => (cells[0], int.Parse(cells[1].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture), cells[2]))
            .ToList();

    [GeneratedRegex("(?<=[a-z0-9])([A-Z])", RegexOptions.CultureInvariant)]
    private static partial Regex WordStart();
}
