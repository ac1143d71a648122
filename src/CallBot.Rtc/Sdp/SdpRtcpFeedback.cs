namespace CallBot.Rtc.Sdp;

/// <summary>
/// <c>a=rtcp-fb:&lt;pt|*&gt; &lt;type&gt; [&lt;subtype&gt;]</c> (RFC 4585 §4.2): nack, nack pli, ccm fir, goog-remb, transport-cc.
/// PayloadType is null for the wildcard '*'.
/// </summary>
public readonly record struct SdpRtcpFeedback(byte? PayloadType, string Type, string? Subtype)
{
    public const string Nack = "nack";
    public const string Pli = "pli";
    public const string Ccm = "ccm";
    public const string Fir = "fir";
    public const string GoogRemb = "goog-remb";
    public const string TransportCc = "transport-cc";

    /// <summary>The type and subtype as written after the payload type, e.g. "nack pli".</summary>
    public string Kind => Subtype is null ? Type : $"{Type} {Subtype}";

    public static bool TryParse(string value, out SdpRtcpFeedback feedback)
    {
        feedback = default;
        var parts = value.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            return false;
        }

        byte? pt = null;
        if (parts[0] != "*")
        {
            if (!SdpNumbers.TryPayloadType(parts[0], out var number))
            {
                return false;
            }

            pt = number;
        }

        feedback = new SdpRtcpFeedback(pt, parts[1], parts.Length == 3 ? parts[2].Trim() : null);
        return true;
    }

    public override string ToString() => PayloadType is { } pt ? $"{pt} {Kind}" : $"* {Kind}";
}
