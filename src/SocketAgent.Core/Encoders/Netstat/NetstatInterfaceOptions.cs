namespace SocketAgent.Encoders.Netstat;

/// <summary>What <c>socket-agent netstat -i</c> prints, as net-tools <c>netstat -i</c>'s flags select it.</summary>
internal sealed record NetstatInterfaceOptions
{
    /// <summary><c>-a</c>: every interface; without it netstat lists only those with <c>IFF_UP</c>.</summary>
    public bool All { get; init; }
}
