namespace CallBot.TestSupport.Network;

/// <summary>A network namespace a <see cref="NetworkLab"/> created (<c>/run/netns/&lt;Name&gt;</c>). It has <c>lo</c> up.</summary>
public sealed record LabNamespace(string Name)
{
    /// <summary>The bind-mounted namespace file <c>setns</c> opens.</summary>
    public string Path => "/run/netns/" + Name;

    public override string ToString() => Name;
}
