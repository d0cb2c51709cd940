namespace SocketAgent.Correlation.Map;

/// <summary>
/// How a kind of service looks: a fill colour per kind, so containers, units and bare processes tell apart at a
/// glance; a dashed outline where no agent saw the owner.
/// </summary>
internal static class ServiceStyle
{
    public static string Fill(ServiceKind kind) => kind switch
    {
        ServiceKind.Pod or ServiceKind.Container => "#d9f2e3",
        ServiceKind.Unit => "#fdf0c8",
        ServiceKind.Process => "#dce8fb",
        _ => "#eeeeee",
    };

    public static bool Dashed(ServiceNode service) => service.Kind == ServiceKind.Unknown || !service.HostMonitored;
}
