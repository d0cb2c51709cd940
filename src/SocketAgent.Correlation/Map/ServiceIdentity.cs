namespace SocketAgent.Correlation.Map;

/// <summary>The one rule that turns a connection's end into a service (see <see cref="ServiceNode"/>).</summary>
internal static class ServiceIdentity
{
    /// <summary>Long container ids are cut as docker ps cuts them: a picture cannot show 64 hex digits.</summary>
    private const int ShortContainerId = 12;

    /// <param name="acrossHosts">
    /// One service for a name on every host (<c>--group-by service</c>): the host is left out of the key, except for
    /// an owner nobody saw, which only its address and port tell apart.
    /// </param>
    public static ServiceNode Of(ConnectionSide side, bool server, bool acrossHosts)
    {
        bool monitored = side.HostName is not null;
        string host = side.HostName ?? side.Ip;
        (ServiceKind kind, string name) = side switch
        {
            { Pod: { } pod } => (ServiceKind.Pod, pod),
            { Container: { } container } => (ServiceKind.Container, container.Length > 32 && IsHex(container) ? container[..ShortContainerId] : container),
            { Unit: { } unit } => (ServiceKind.Unit, unit),
            { ProcessName: { } process } => (ServiceKind.Process, process),
            _ => (ServiceKind.Unknown, ""),
        };
        // A client's port is ephemeral: it never names anything.
        int port = server && kind is ServiceKind.Process or ServiceKind.Unknown ? side.Port : 0;
        return acrossHosts && kind != ServiceKind.Unknown
            ? new ServiceNode(ServiceNode.AnyHost, HostMonitored: true, kind, name, port)
            : new ServiceNode(host, monitored, kind, name, port);
    }

    private static bool IsHex(string text) => text.AsSpan().IndexOfAnyExcept("0123456789abcdef") < 0;
}
