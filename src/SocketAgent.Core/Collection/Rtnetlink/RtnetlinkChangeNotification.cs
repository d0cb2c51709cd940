using SocketAgent.Model;

namespace SocketAgent.Collection.Rtnetlink;

/// <summary>
/// One parsed rtnetlink notification: a link, address or route added/changed (<see cref="Removed"/> false:
/// RTM_NEW*) or removed (RTM_DEL*). Exactly one of <see cref="Link"/>, <see cref="Address"/>, <see cref="Route"/> is set.
/// </summary>
/// <remarks>
/// Records are as the parsers make them from one message: a route's interface name and a link's address list are
/// not filled (they come from joining full dumps).
/// </remarks>
internal sealed record RtnetlinkChangeNotification(
    RtnetlinkChangeKind Kind,
    bool Removed,
    DateTimeOffset At,
    InterfaceRecord? Link = null,
    InterfaceAddress? Address = null,
    int AddressInterfaceIndex = 0,
    RouteRecord? Route = null);
