namespace CallBot.Rtc.Sdp;

/// <summary><c>c=&lt;nettype&gt; &lt;addrtype&gt; &lt;connection-address&gt;</c> (RFC 8866 §5.7).</summary>
public sealed record SdpConnection(string NetType, string AddressType, string Address)
{
    /// <summary>JSEP's placeholder <c>IN IP4 0.0.0.0</c> (RFC 8829 §5.2.1).</summary>
    public static SdpConnection Placeholder { get; } = new("IN", "IP4", "0.0.0.0");

    public static bool TryParse(string value, out SdpConnection connection)
    {
        connection = null!;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3)
        {
            return false;
        }

        connection = new SdpConnection(parts[0], parts[1], parts[2]);
        return true;
    }

    public override string ToString() => $"{NetType} {AddressType} {Address}";
}
