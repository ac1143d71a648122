namespace CallBot.Rtc.Sdp;

/// <summary>
/// A parsed or built session description (RFC 8866). <c>v=</c>, <c>o=</c> and <c>s=</c> are fields; every other
/// session-level line (<c>t=</c>, <c>a=group</c>, unknown lines...) is in <see cref="SdpSection.Lines"/> in order;
/// then one <see cref="MediaDescription"/> per <c>m=</c> line.
/// </summary>
public sealed class SessionDescription : SdpSection
{
    public int Version { get; set; }

    public SdpOrigin Origin { get; set; } = SdpOrigin.Create(0, 0);

    public string SessionName { get; set; } = "-";

    public List<MediaDescription> Media { get; } = [];

    /// <summary>Every <c>a=group:</c> (BUNDLE and others) that parses.</summary>
    public IEnumerable<SdpGroup> Groups => Parsed<SdpGroup>(SdpAttributeNames.Group, SdpGroup.TryParse);

    /// <summary>The first <c>a=group:BUNDLE</c>, or null.</summary>
    public SdpGroup? BundleGroup => Groups.FirstOrDefault(group => group.Semantics == SdpGroup.Bundle);

    /// <summary>The m-line with <c>a=mid:<paramref name="mid"/></c>, or null.</summary>
    public MediaDescription? FindMedia(string mid) => Media.Find(media => media.Mid == mid);

    /// <summary>The canonical text (CRLF line ends). See <see cref="SdpWriter"/>.</summary>
    public override string ToString() => SdpWriter.Write(this);
}
