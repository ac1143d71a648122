namespace CallBot.Rtc.Payloads;

/// <summary>H.264 NAL unit types used by RTP packetization (ITU-T H.264 Table 7-1, RFC 6184 §5.2).</summary>
public static class H264NalType
{
    public const int TypeMask = 0x1F;
    public const int ForbiddenAndNriMask = 0xE0;

    public const int Slice = 1;
    public const int IdrSlice = 5;
    public const int Sei = 6;
    public const int Sps = 7;
    public const int Pps = 8;
    public const int AccessUnitDelimiter = 9;
    public const int Filler = 12;

    /// <summary>RFC 6184 aggregation and fragmentation types.</summary>
    public const int StapA = 24;
    public const int StapB = 25;
    public const int Mtap16 = 26;
    public const int Mtap24 = 27;
    public const int FuA = 28;
    public const int FuB = 29;

    public static int Of(byte header) => header & TypeMask;
}
