using SocketAgent.Diff;
using SocketAgent.Events;
using SocketAgent.Model;
using static SocketAgent.Tests.Diff.DiffRecords;
using SockState = SocketAgent.Model.KernelSocketState;

namespace SocketAgent.Tests.Diff;

public sealed class SocketDifferTests
{
    private static readonly ProcessInfo s_app = Process(100, "app");
    private static readonly ProcessInfo s_child = Process(101, "child");

    private static IReadOnlyList<SocketEvent> Apply(SocketDiffer differ, int second, SocketOwners owners, params SocketRecord[] sockets) =>
        differ.Apply(Host, sockets, owners, At(second));

    private static IReadOnlyList<SocketEvent> Apply(SocketDiffer differ, int second, params SocketRecord[] sockets) =>
        differ.Apply(Host, sockets, SocketOwners.Empty, At(second));

    [Fact]
    public void FirstCollectionReportsEverySocketAsSnapshotButNotTimeWaitEntries()
    {
        var differ = new SocketDiffer();
        IReadOnlyList<SocketEvent> events = Apply(differ, 0, Owners((1, s_app), (2, s_app)),
            Tcp(10, SockState.Listen, inode: 1), Tcp(11, SockState.Established, inode: 2), TimeWait(12), Unix(13, 3, "/run/x.sock"));

        Assert.All(events, e => Assert.Equal(SocketEventAction.Snapshot, e.Action));
        Assert.Equal([10UL, 11UL, 13UL], events.Select(e => e.Socket.Cookie!.Value));
        Assert.Equal([s_app], events[0].Owners);
        Assert.Empty(events[2].Owners);
        Assert.All(events, e => Assert.Same(Host, e.Namespace));
        Assert.All(events, e => Assert.Equal(At(0), e.FirstSeen));
        Assert.Equal(3, differ.TrackedCount);
    }

    [Theory]
    [InlineData((int)FirstSight.AsNew, SocketEventAction.Opened, 1)]
    [InlineData((int)FirstSight.Silent, SocketEventAction.Opened, 0)]
    public void FirstSightCanReportOpenedOrNothing(int firstSightValue, SocketEventAction expected, int count)
    {
        var firstSight = (FirstSight)firstSightValue;
        var differ = new SocketDiffer();
        IReadOnlyList<SocketEvent> events = differ.Apply(Host, [Tcp(10, SockState.Listen)], SocketOwners.Empty, At(0), firstSight);
        Assert.Equal(count, events.Count);
        Assert.All(events, e => Assert.Equal(expected, e.Action));
        Assert.Equal(1, differ.TrackedCount);
        Assert.Empty(Apply(differ, 1, Tcp(10, SockState.Listen)));
    }

    [Fact]
    public void UnchangedSocketsGiveNoEvents()
    {
        var differ = new SocketDiffer();
        Apply(differ, 0, Tcp(10, SockState.Listen, inode: 1), Tcp(11, SockState.Established, inode: 2, bytesSent: 10));
        Assert.Empty(Apply(differ, 1, Tcp(10, SockState.Listen, inode: 1), Tcp(11, SockState.Established, inode: 2, bytesSent: 99)));
    }

    [Fact]
    public void ListenerAppearingIsOpenedWithItsOwners()
    {
        var differ = new SocketDiffer();
        Apply(differ, 0);
        SocketEvent opened = Assert.Single(Apply(differ, 1, Owners((7, s_app)), Tcp(10, SockState.Listen, inode: 7)));
        Assert.Equal(SocketEventAction.Opened, opened.Action);
        Assert.Equal([s_app], opened.Owners);
        Assert.Equal(At(1), opened.FirstSeen);
        Assert.True(opened.SeenOpen);
    }

    [Fact]
    public void SynSentToEstablishedIsAStateChange()
    {
        var differ = new SocketDiffer();
        Apply(differ, 0);
        Assert.Equal(SocketEventAction.Opened, Assert.Single(Apply(differ, 1, Tcp(10, SockState.SynSent))).Action);
        SocketEvent changed = Assert.Single(Apply(differ, 2, Tcp(10, SockState.Established)));
        Assert.Equal(SocketEventAction.StateChanged, changed.Action);
        Assert.Equal(SockState.SynSent, changed.PreviousState);
        Assert.Equal(SockState.Established, changed.Socket.State);
        Assert.Equal(At(1), changed.FirstSeen);
    }

    [Fact]
    public void ActiveCloseThroughFinWaitEndsInOneCloseAndSilentTimeWait()
    {
        var differ = new SocketDiffer();
        SocketOwners owners = Owners((5, s_app));
        Apply(differ, 0, owners, Tcp(10, SockState.Established, inode: 5, bytesSent: 100));
        // close(): the socket is orphaned (inode 0) while FIN_WAIT1/2 finish.
        SocketEvent fw1 = Assert.Single(Apply(differ, 1, owners, Tcp(10, SockState.FinWait1, inode: 0, bytesSent: 4000, uid: 0)));
        Assert.Equal((SocketEventAction.StateChanged, SockState.Established), (fw1.Action, fw1.PreviousState));
        Assert.Equal([s_app], fw1.Owners);
        SocketEvent fw2 = Assert.Single(Apply(differ, 2, owners, Tcp(10, SockState.FinWait2, inode: 0, bytesSent: 4001, uid: 0)));
        Assert.Equal((SocketEventAction.StateChanged, SockState.FinWait1), (fw2.Action, fw2.PreviousState));

        SocketEvent closed = Assert.Single(Apply(differ, 3, owners, TimeWait(10)));
        Assert.Equal(SocketEventAction.Closed, closed.Action);
        Assert.Equal(SockState.TimeWait, closed.Socket.State);
        Assert.Equal(4001UL, closed.Socket.TcpInfo!.BytesSent);
        Assert.Equal(5UL, closed.Socket.Inode);
        Assert.Equal(1000U, closed.Socket.Uid);
        Assert.Equal([s_app], closed.Owners);
        Assert.Equal(At(0), closed.FirstSeen);
        Assert.Equal(TimeSpan.FromSeconds(3), closed.Duration);
        Assert.Equal(At(3), closed.Timestamp);

        Assert.Empty(Apply(differ, 4, owners, TimeWait(10)));
        Assert.Empty(Apply(differ, 64, owners));
        Assert.Equal(0, differ.TrackedCount);
    }

    [Fact]
    public void OrphanInTimeWaitSubstateFinWait2IsTheClose()
    {
        // Seen on 6.18: after close() with the peer still open, the dump shows FIN-WAIT-2 with timer 3, inode 0, same cookie.
        var differ = new SocketDiffer();
        Apply(differ, 0, Tcp(10, SockState.Established, bytesSent: 1000));
        SocketEvent closed = Assert.Single(Apply(differ, 1, TimeWait(10, SockState.FinWait2)));
        Assert.Equal(SocketEventAction.Closed, closed.Action);
        Assert.Equal(SockState.FinWait2, closed.Socket.State);
    }

    [Fact]
    public void PassiveCloseThroughCloseWaitAndLastAck()
    {
        var differ = new SocketDiffer();
        Apply(differ, 0, Owners((5, s_app)), Tcp(10, SockState.Established, inode: 5, bytesSent: 10));
        SocketEvent closeWait = Assert.Single(Apply(differ, 1, Tcp(10, SockState.CloseWait, inode: 5, bytesSent: 10)));
        Assert.Equal((SockState.Established, SockState.CloseWait), (closeWait.PreviousState, closeWait.Socket.State));
        SocketEvent lastAck = Assert.Single(Apply(differ, 2, Tcp(10, SockState.LastAck, inode: 0, bytesSent: 11, uid: 0)));
        Assert.Equal((SockState.CloseWait, SockState.LastAck), (lastAck.PreviousState, lastAck.Socket.State));

        SocketEvent closed = Assert.Single(Apply(differ, 3));
        Assert.Equal(SocketEventAction.Closed, closed.Action);
        Assert.Equal(SockState.LastAck, closed.Socket.State);
        Assert.Equal(11UL, closed.Socket.TcpInfo!.BytesSent);
        Assert.Equal(5UL, closed.Socket.Inode);
        Assert.Equal([s_app], closed.Owners);
        Assert.Equal(TimeSpan.FromSeconds(3), closed.Duration);
    }

    [Fact]
    public void OwnerChangeIsSilentAndTheCloseCarriesTheNewOwner()
    {
        var differ = new SocketDiffer();
        Apply(differ, 0, Owners((5, s_app)), Tcp(10, SockState.Established, inode: 5));
        Assert.Empty(Apply(differ, 1, Owners((5, s_child)), Tcp(10, SockState.Established, inode: 5)));
        SocketEvent closed = Assert.Single(Apply(differ, 2, SocketOwners.Empty));
        Assert.Equal([s_child], closed.Owners);
    }

    [Fact]
    public void ProcessExitingBetweenReadsKeepsTheLastKnownOwners()
    {
        var differ = new SocketDiffer();
        Apply(differ, 0, Owners((5, s_app)), Tcp(10, SockState.Established, inode: 5));
        // The socket table still lists it but the process table no longer has its holder.
        Assert.Empty(Apply(differ, 1, SocketOwners.Empty, Tcp(10, SockState.Established, inode: 5)));
        SocketEvent closed = Assert.Single(Apply(differ, 2, SocketOwners.Empty));
        Assert.Equal([s_app], closed.Owners);
    }

    [Fact]
    public void InodeReusedByANewSocketIsANewSocket()
    {
        var differ = new SocketDiffer();
        Apply(differ, 0, Owners((5, s_app)), Tcp(10, SockState.Established, inode: 5, localPort: 1));
        IReadOnlyList<SocketEvent> events = Apply(differ, 1, Owners((5, s_child)), Tcp(11, SockState.Established, inode: 5, localPort: 1));
        Assert.Equal(2, events.Count);
        SocketEvent opened = Assert.Single(events, e => e.Action == SocketEventAction.Opened);
        SocketEvent closed = Assert.Single(events, e => e.Action == SocketEventAction.Closed);
        Assert.Equal((11UL, 10UL), (opened.Socket.Cookie, closed.Socket.Cookie));
        Assert.Equal([s_child], opened.Owners);
        Assert.Equal([s_app], closed.Owners);
    }

    [Fact]
    public void UdpConnectIsNotAStateChange()
    {
        var differ = new SocketDiffer();
        Apply(differ, 0, Udp(10, 5));
        SocketRecord connected = new()
        {
            Transport = Transport.Udp, Family = System.Net.Sockets.AddressFamily.InterNetwork, State = SockState.Established,
            LocalAddress = System.Net.IPAddress.Any, LocalPort = 5353, RemoteAddress = System.Net.IPAddress.Loopback, RemotePort = 53, Inode = 5, Cookie = 10,
        };
        Assert.Empty(Apply(differ, 1, connected));
    }

    [Fact]
    public void DestroyOfATrackedSocketClosesItWithTheFinalCounters()
    {
        var differ = new SocketDiffer();
        Apply(differ, 0, Owners((5, s_app)), Tcp(10, SockState.Established, inode: 5, bytesSent: 100));
        DateTimeOffset at = At(1).AddMilliseconds(250);

        SocketEvent closed = differ.OnDestroyed(Destroy(10, bytesSent: 7777), at)!;
        Assert.Equal(SocketEventAction.Closed, closed.Action);
        Assert.Equal(at, closed.Timestamp);
        Assert.Equal(TimeSpan.FromMilliseconds(1250), closed.Duration);
        Assert.Equal(7777UL, closed.Socket.TcpInfo!.BytesSent);
        Assert.Equal(SockState.Close, closed.Socket.State);
        Assert.Equal((5UL, 1000U), (closed.Socket.Inode, closed.Socket.Uid));
        Assert.Equal([s_app], closed.Owners);
        Assert.True(closed.SeenOpen);
        Assert.Same(Host, closed.Namespace);
        Assert.Equal(0, differ.TrackedCount);

        // A dump taken before the destroy still lists it, then its TIME_WAIT entry: neither re-opens nor closes again.
        Assert.Empty(Apply(differ, 2, Tcp(10, SockState.Established, inode: 5)));
        Assert.Empty(Apply(differ, 3, TimeWait(10)));
        Assert.Null(differ.OnDestroyed(Destroy(10), At(4)));
        Assert.Equal(0, differ.TrackedCount);
    }

    [Fact]
    public void SocketSeenOnlyByItsDestroyIsClosedUnseen()
    {
        var differ = new SocketDiffer();
        Apply(differ, 0);
        SocketEvent closed = differ.OnDestroyed(Destroy(42, bytesSent: 12), At(1), Container)!;
        Assert.Equal(SocketEventAction.Closed, closed.Action);
        Assert.False(closed.SeenOpen);
        Assert.Null(closed.FirstSeen);
        Assert.Null(closed.Duration);
        Assert.Empty(closed.Owners);
        Assert.Equal(12UL, closed.Socket.TcpInfo!.BytesSent);
        Assert.Same(Container, closed.Namespace);

        // The dump raced with the destroy: it still shows the socket. No open, no second close.
        Assert.Empty(Apply(differ, 2, Tcp(42, SockState.Established)));
        Assert.Empty(Apply(differ, 3));
        Assert.Null(differ.OnDestroyed(Destroy(42), At(3)));
    }

    [Fact]
    public void DuplicateDestroyIsIgnored()
    {
        var differ = new SocketDiffer();
        Assert.NotNull(differ.OnDestroyed(Destroy(42), At(1)));
        Assert.Null(differ.OnDestroyed(Destroy(42), At(1)));
    }

    [Fact]
    public void DestroyedCookiesAreForgottenAfterTheRetention()
    {
        var differ = new SocketDiffer(new SocketDifferOptions { DestroyedRetention = TimeSpan.FromSeconds(10) });
        differ.OnDestroyed(Destroy(42), At(0));
        Apply(differ, 5);
        Assert.Equal(1, differ.RememberedEndedCount);
        Apply(differ, 11);
        Assert.Equal(0, differ.RememberedEndedCount);
    }

    [Fact]
    public void WithDestroyEventsAMissingSocketWaitsOneCollectionForItsDestroy()
    {
        var differ = new SocketDiffer(new SocketDifferOptions { DestroyEventsExpected = true });
        Apply(differ, 0, Owners((5, s_app)), Tcp(10, SockState.Established, inode: 5, bytesSent: 1), Tcp(11, SockState.Established, inode: 6, localPort: 2));
        Assert.Empty(Apply(differ, 1));
        Assert.Equal(2, differ.TrackedCount);

        SocketEvent exact = differ.OnDestroyed(Destroy(10, bytesSent: 900), At(1).AddMilliseconds(10))!;
        Assert.Equal(900UL, exact.Socket.TcpInfo!.BytesSent);
        Assert.Equal([s_app], exact.Owners);

        // 11's destroy did not come (its process still holds the fd): closed at the collection that missed it.
        SocketEvent late = Assert.Single(Apply(differ, 2));
        Assert.Equal((11UL, At(1)), (late.Socket.Cookie, late.Timestamp));
        Assert.Equal(TimeSpan.FromSeconds(1), late.Duration);

        // When the process finally closes it, the destroy is no second close.
        Assert.Null(differ.OnDestroyed(Destroy(11, localPort: 2), At(3600)));
    }

    [Fact]
    public void WithDestroyEventsUnixSocketsCloseAtOnce()
    {
        var differ = new SocketDiffer(new SocketDifferOptions { DestroyEventsExpected = true });
        Apply(differ, 0, Unix(10, 5, null));
        Assert.Equal(SocketEventAction.Closed, Assert.Single(Apply(differ, 1)).Action);
    }

    [Fact]
    public void RecordsWithoutCookiesAreKeyedByAddressesAndInode()
    {
        var differ = new SocketDiffer();
        Apply(differ, 0, Owners((5, s_app)),
            Tcp(null, SockState.Established, inode: 5), Unix(null, 6, "/run/a.sock"), Unix(null, 7, null), Tcp(null, SockState.FinWait1, inode: 0, localPort: 2));
        Assert.Equal(3, differ.TrackedCount);

        SocketEvent changed = Assert.Single(Apply(differ, 1,
            Tcp(null, SockState.CloseWait, inode: 5), Unix(null, 6, "/run/a.sock"), Unix(null, 7, null), Tcp(null, SockState.FinWait2, inode: 0, localPort: 2)));
        Assert.Equal((SockState.Established, SockState.CloseWait), (changed.PreviousState, changed.Socket.State));

        // The inode turns 0 as the process closes it: without a cookie that is the end of it.
        IReadOnlyList<SocketEvent> events = Apply(differ, 2, Tcp(null, SockState.LastAck, inode: 0), Unix(null, 8, "/run/a.sock"), Unix(null, 7, null));
        Assert.Equal(3, events.Count);
        Assert.Equal([s_app], Assert.Single(events, e => e.Action == SocketEventAction.Closed && e.Socket.Transport == Transport.Tcp).Owners);
        Assert.Equal(6UL, Assert.Single(events, e => e.Action == SocketEventAction.Closed && e.Socket.Transport == Transport.Unix).Socket.Inode);
        Assert.Equal(8UL, Assert.Single(events, e => e.Action == SocketEventAction.Opened).Socket.Inode);
    }

    [Fact]
    public void NamespacesAreDiffedSeparately()
    {
        var differ = new SocketDiffer();
        differ.Apply(Host, [Tcp(10, SockState.Listen)], SocketOwners.Empty, At(0));
        SocketEvent snapshot = Assert.Single(differ.Apply(Container, [Tcp(20, SockState.Listen)], SocketOwners.Empty, At(0)));
        Assert.Same(Container, snapshot.Namespace);

        // The host's collection says nothing about the container's sockets.
        Assert.Empty(differ.Apply(Host, [Tcp(10, SockState.Listen)], SocketOwners.Empty, At(1)));
        Assert.Equal(2, differ.TrackedCount);

        SocketEvent destroyed = differ.OnDestroyed(Destroy(20), At(2))!;
        Assert.True(destroyed.SeenOpen);
        Assert.Same(Container, destroyed.Namespace);

        SocketEvent opened = Assert.Single(differ.Apply(Container, [Tcp(21, SockState.Listen)], SocketOwners.Empty, At(3)));
        Assert.Equal((SocketEventAction.Opened, Container), (opened.Action, opened.Namespace));
    }

    [Fact]
    public void RemovingANamespaceClosesItsSockets()
    {
        var differ = new SocketDiffer();
        differ.Apply(Container, [Tcp(20, SockState.Listen), Unix(null, 9, "/x")], SocketOwners.Empty, At(0));
        IReadOnlyList<SocketEvent> closed = differ.RemoveNamespace(Container, At(5));
        Assert.Equal(2, closed.Count);
        Assert.All(closed, e => Assert.Equal((SocketEventAction.Closed, TimeSpan.FromSeconds(5)), (e.Action, e.Duration)));
        Assert.Equal(0, differ.TrackedCount);
        Assert.Empty(differ.RemoveNamespace(Container, At(6)));
    }

    [Fact]
    public void HostSnapshotAppliesEveryNamespace()
    {
        var differ = new SocketDiffer();
        var snapshot = new HostSnapshot
        {
            Timestamp = At(0),
            Host = new HostIdentity("h", null),
            Owners = Owners((5, s_app)),
            Namespaces =
            [
                new NamespaceState { Namespace = Host, Sockets = [Tcp(10, SockState.Listen, inode: 5)] },
                new NamespaceState { Namespace = Container, Sockets = [Tcp(20, SockState.Listen, inode: 6)] },
            ],
        };
        IReadOnlyList<SocketEvent> events = differ.Apply(snapshot);
        Assert.Equal([Host, Container], events.Select(e => e.Namespace));
        Assert.Equal([s_app], events[0].Owners);
    }
}
