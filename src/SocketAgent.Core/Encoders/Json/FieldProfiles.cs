namespace SocketAgent.Encoders.Json;

/// <summary>The spelling of <see cref="FieldProfile"/> in the configuration and on the command line.</summary>
public static class FieldProfiles
{
    /// <summary>The profile named <paramref name="text"/> (<c>minimal</c>, <c>default</c>, <c>full</c>); null for anything else.</summary>
    public static FieldProfile? Parse(string text) => text switch
    {
        "minimal" => FieldProfile.Minimal,
        "default" => FieldProfile.Default,
        "full" => FieldProfile.Full,
        _ => null,
    };

    /// <summary>The configuration's name of <paramref name="profile"/>.</summary>
    public static string Name(FieldProfile profile) => profile switch
    {
        FieldProfile.Minimal => "minimal",
        FieldProfile.Full => "full",
        _ => "default",
    };
}
