namespace SocketAgent.Collection;

/// <summary>What a collection pass reads in each namespace (netstat's <c>-t -u -w -x</c> vs <c>-i</c>, <c>-r</c>, <c>-s</c>).</summary>
[Flags]
public enum CollectedParts
{
    None = 0,
    Sockets = 1,
    Interfaces = 2,
    Routes = 4,
    Statistics = 8,
    All = Sockets | Interfaces | Routes | Statistics,
}
