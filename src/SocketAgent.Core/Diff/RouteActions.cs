namespace SocketAgent.Diff;

/// <summary>The <see cref="Events.RouteEvent.Action"/> values (ECS <c>event.action</c> for the route dataset).</summary>
internal static class RouteActions
{
    public const string Snapshot = "snapshot";
    public const string Added = "added";
    public const string Removed = "removed";
    public const string Changed = "changed";
}
