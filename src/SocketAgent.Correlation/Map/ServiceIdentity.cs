namespace SocketAgent.Correlation.Map;

/// <summary>The one rule that turns a connection's end into a service (see <see cref="ServiceNode"/>).</summary>
internal static class ServiceIdentity
{
    /// <summary>Long container ids are cut as docker ps cuts them: a picture cannot show 64 hex digits.</summary>
    private const int ShortContainerId = 12;

    public static ServiceNode Of(ConnectionSide side, bool server)
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
        return new ServiceNode(host, monitored, kind, name, port);
    }

    private static bool IsHex(string text) => text.AsSpan().IndexOfAnyExcept("0123456789abcdef") < 0;
}
