namespace SocketAgent.Encoders.Json;

/// <summary>
/// <c>netns.*</c> (ours: ECS has no field for it): the network namespace a document was collected in. Shared by every document of the
/// namespace (the factories cache it), so it is immutable.
/// </summary>
public sealed class NetnsFields
{
    /// <summary>The inode of the namespace's nsfs file (<c>net:[INODE]</c>).</summary>
    public required ulong Inode { get; init; }

    /// <summary>The name under <c>/run/netns</c>, when it has one.</summary>
    public string? Name { get; init; }
}
