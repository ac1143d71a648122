using System.Collections;
using System.Globalization;
using System.Reflection;

namespace CallBot.Worker.Options;

/// <summary>One configuration key with its type and default, read from the options classes (README table and its test).</summary>
public sealed record ConfigKey(string Key, string Type, string Default);

/// <summary>Every <c>CallBot:…</c> key the options classes bind, with defaults from a fresh instance.</summary>
public static class ConfigReference
{
    private static readonly (string Section, Type Options)[] Sections =
    [
        (ChatOptions.Section, typeof(ChatOptions)),
        (VideoChatOptions.Section, typeof(VideoChatOptions)),
        (IceRestartOptions.Section, typeof(IceRestartOptions)),
        (FleetOptions.Section, typeof(FleetOptions)),
        (AnswerPolicyOptions.Section, typeof(AnswerPolicyOptions)),
        (OutboundCallOptions.Section, typeof(OutboundCallOptions)),
        (ConcurrencyOptions.Section, typeof(ConcurrencyOptions)),
        (MediaOptions.Section, typeof(MediaOptions)),
        (RecordingOptions.Section, typeof(RecordingOptions)),
        (TelemetryOptions.Section, typeof(TelemetryOptions)),
        (RtcOptions.Section, typeof(RtcOptions)),
        (CallBot.Delivery.UploadOptions.Section, typeof(CallBot.Delivery.UploadOptions)),
        (CallBot.Delivery.WebhookOptions.Section, typeof(CallBot.Delivery.WebhookOptions)),
        (Cloud.CloudOptions.Section, typeof(Cloud.CloudOptions)),
        (Cloud.PushOptions.Section, typeof(Cloud.PushOptions)),
    ];

    public static IReadOnlyList<ConfigKey> Keys()
    {
        var keys = new List<ConfigKey>();
        foreach (var (section, type) in Sections)
        {
            Walk(section, type, Activator.CreateInstance(type), keys);
        }

        return keys;
    }

    private static void Walk(string prefix, Type type, object? instance, List<ConfigKey> keys)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanWrite)
            {
                continue;
            }

            var key = $"{prefix}:{property.Name}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var value = instance is null ? null : property.GetValue(instance);
            if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(List<>))
            {
                var element = propertyType.GetGenericArguments()[0];
                if (IsLeaf(element))
                {
                    keys.Add(new ConfigKey($"{key}:N", $"list of {Name(element)}", "empty"));
                }
                else
                {
                    Walk($"{key}:N", element, Activator.CreateInstance(element), keys);
                }
            }
            else if (IsLeaf(propertyType))
            {
                keys.Add(new ConfigKey(key, Name(propertyType), Format(value)));
            }
            else
            {
                // Per-bot media (CallBot:Bots:N:Media) mirrors CallBot:Media and is documented there.
                keys.Add(new ConfigKey($"{key}:…", Name(propertyType), "process default"));
            }
        }
    }

    private static bool IsLeaf(Type type) => type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan);

    private static string Name(Type type) => type.IsEnum ? string.Join(" \\| ", Enum.GetNames(type)) : type.Name switch
    {
        "Int32" => "int",
        "Int64" => "long",
        "Double" => "number",
        "Boolean" => "bool",
        "String" => "string",
        "TimeSpan" => "time span",
        var other => other,
    };

    private static string Format(object? value) => value switch
    {
        null => "(none)",
        string { Length: 0 } => "(empty)",
        string s => s,
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IEnumerable => "empty",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "(none)",
    };
}
