namespace SocketAgent.Encoders.Json;

/// <summary>ECS <c>host.*</c>: the host the agent reports for.</summary>
public sealed class HostFields
{
    public required string Name { get; init; }

    public string? Id { get; init; }

    /// <summary><c>host.boot.id</c>; only on lines written with an agent identity that knows it.</summary>
    public HostBootFields? Boot { get; init; }
}

/// <summary>ECS <c>host.boot.*</c>: tells the boots of one host apart (<c>/proc/sys/kernel/random/boot_id</c>).</summary>
public sealed class HostBootFields
{
    public required string Id { get; init; }
}
