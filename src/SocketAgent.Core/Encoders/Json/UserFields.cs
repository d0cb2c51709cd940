namespace SocketAgent.Encoders.Json;

/// <summary>ECS <c>user.*</c>: the socket's owner uid (a string, as ECS <c>user.id</c> is a keyword).</summary>
public sealed class UserFields
{
    public required string Id { get; init; }

    public string? Name { get; init; }
}
