using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace CallBot.Load.Scenario;

/// <summary>
/// Reads <c>media.video: none</c> as a disabled <see cref="VideoProfileSettings"/> (audio calls); any other scalar is
/// left to the default deserializer, which reports it with its line.
/// </summary>
internal sealed class NoVideoDeserializer : INodeDeserializer
{
    public const string None = "none";

    public bool Deserialize(IParser reader, Type expectedType, Func<IParser, Type, object?> nestedObjectDeserializer, out object? value, ObjectDeserializer rootDeserializer)
    {
        value = null;
        if (expectedType != typeof(VideoProfileSettings)
            || !reader.Accept<Scalar>(out var scalar)
            || !string.Equals(scalar.Value, None, StringComparison.Ordinal))
        {
            return false;
        }

        reader.MoveNext();
        value = new VideoProfileSettings { Disabled = true };
        return true;
    }
}
