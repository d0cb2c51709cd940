namespace SocketAgent.Diff;

/// <summary>The <see cref="Events.InterfaceEvent.Action"/> values (ECS <c>event.action</c> for the interface dataset).</summary>
internal static class InterfaceActions
{
    public const string Snapshot = "snapshot";
    public const string Added = "added";
    public const string Removed = "removed";
    public const string Up = "up";
    public const string Down = "down";
    public const string Changed = "changed";
    public const string AddressAdded = "address_added";
    public const string AddressRemoved = "address_removed";
}
