using SocketAgent.Diff;
using SocketAgent.Events;
using SocketAgent.Model;
using static SocketAgent.Tests.Diff.DiffRecords;
using SockState = SocketAgent.Model.KernelSocketState;

namespace SocketAgent.Tests.Diff;

/// <summary>
/// Transitions from the kernel tracer and snapshots of the same sockets, keyed by cookie: each socket is opened
/// and closed once whichever source saw it first, and a snapshot older than the tracer's word changes nothing.
/// </summary>
public sealed class SocketDifferTracedTests
{
    private static readonly ProcessInfo s_app = Process(100, "app");

    private static SocketEvent Traced(SocketEventAction action, ulong cookie, SockState state, int second, SockState? previous = null) => new()
    {
        Action = action,
        Socket = Tcp(cookie, state, inode: 0),
        Timestamp = At(second),
        PreviousState = previous,
        Owners = [s_app],
        FirstSeen = At(0),
        Namespace = Host,
        Traced = true,
    };

    [Fact]
    public void A_traced_socket_is_not_reopened_by_a_snapshot_nor_moved_back_to_an_older_state()
    {
        var differ = new SocketDiffer(new SocketDifferOptions { DestroyEventsExpected = true });
        // The tracer runs before the namespace's first snapshot: that snapshot is still a snapshot for the others.
        Assert.NotNull(differ.OnTraced(Traced(SocketEventAction.Opened, 7, SockState.Established, 1)));
        Assert.NotNull(differ.OnTraced(Traced(SocketEventAction.StateChanged, 7, SockState.FinWait1, 1, SockState.Established)));

        IReadOnlyList<SocketEvent> first = differ.Apply(Host, [Tcp(7, SockState.Established, inode: 5), Tcp(8, SockState.Listen, inode: 6)], SocketOwners.Empty, At(1));
        SocketEvent other = Assert.Single(first);
        Assert.Equal(SocketEventAction.Snapshot, other.Action);
        Assert.Equal(8UL, other.Socket.Cookie);

        // A dump read before the tracer's FIN_WAIT1 still says ESTABLISHED: no state_changed back.
        Assert.Empty(differ.Apply(Host, [Tcp(7, SockState.Established, inode: 5), Tcp(8, SockState.Listen, inode: 6)], SocketOwners.Empty, At(2)));
    }

    [Fact]
    public void A_traced_close_is_the_only_close_its_destroy_and_later_snapshots_add_nothing()
    {
        var differ = new SocketDiffer(new SocketDifferOptions { DestroyEventsExpected = true });
        differ.Apply(Host, [], SocketOwners.Empty, At(0));
        Assert.NotNull(differ.OnTraced(Traced(SocketEventAction.Opened, 7, SockState.Established, 1)));
        // The destroy of a traced socket is left to the tracer (it carries bytes and the owner).
        Assert.Null(differ.OnDestroyed(Destroy(7), At(2), Host));
        SocketEvent closed = Assert.IsType<SocketEvent>(differ.OnTraced(Traced(SocketEventAction.Closed, 7, SockState.Close, 3)));
        Assert.Equal(TimeSpan.FromSeconds(3), closed.Duration);
        Assert.Equal([s_app], closed.Owners);
        Assert.Null(differ.OnDestroyed(Destroy(7), At(3), Host));
        Assert.Null(differ.OnTraced(Traced(SocketEventAction.Closed, 7, SockState.Close, 3)));
        Assert.Empty(differ.Apply(Host, [Tcp(7, SockState.Established, inode: 5)], SocketOwners.Empty, At(4)));
        Assert.Equal(0, differ.TrackedCount);
    }

    [Fact]
    public void A_pass_that_left_tcp_connections_to_the_tracer_closes_none_of_them_and_the_next_full_one_does()
    {
        var differ = new SocketDiffer(new SocketDifferOptions { DestroyEventsExpected = true });
        differ.Apply(Host, [Tcp(5, SockState.Established, inode: 50), Tcp(6, SockState.Listen, inode: 60), Tcp(9, SockState.Listen, inode: 90)],
            SocketOwners.Empty, At(0));
        differ.OnTraced(Traced(SocketEventAction.Opened, 7, SockState.Established, 1));

        // Listeners are still dumped: one that went is closed. The connections, snapshot's and tracer's alike, stay.
        for (int second = 2; second <= 4; second++)
        {
            IReadOnlyList<SocketEvent> pass = differ.Apply(Host, [Tcp(6, SockState.Listen, inode: 60)], SocketOwners.Empty, At(second),
                tcpConnectionsOmitted: true);
            if (second == 3)
            {
                SocketEvent listenerClosed = Assert.Single(pass);
                Assert.Equal((SocketEventAction.Closed, 9UL), (listenerClosed.Action, listenerClosed.Socket.Cookie));
            }
            else
            {
                Assert.Empty(pass);
            }
        }
        Assert.Equal(3, differ.TrackedCount);

        // The periodic full dump: what the tracer never closed (a lost record) is missing now, and closed one pass later.
        Assert.Empty(differ.Apply(Host, [Tcp(6, SockState.Listen, inode: 60), Tcp(5, SockState.Established, inode: 50)], SocketOwners.Empty, At(5)));
        SocketEvent closed = Assert.Single(differ.Apply(Host, [Tcp(6, SockState.Listen, inode: 60), Tcp(5, SockState.Established, inode: 50)],
            SocketOwners.Empty, At(6)));
        Assert.Equal((SocketEventAction.Closed, 7UL), (closed.Action, closed.Socket.Cookie));
    }

    [Fact]
    public void A_traced_socket_whose_close_was_lost_is_closed_when_two_snapshots_miss_it()
    {
        var differ = new SocketDiffer(new SocketDifferOptions { DestroyEventsExpected = true });
        differ.Apply(Host, [], SocketOwners.Empty, At(0));
        differ.OnTraced(Traced(SocketEventAction.Opened, 7, SockState.Established, 1));
        Assert.Empty(differ.Apply(Host, [], SocketOwners.Empty, At(2)));
        SocketEvent closed = Assert.Single(differ.Apply(Host, [], SocketOwners.Empty, At(3)));
        Assert.Equal(SocketEventAction.Closed, closed.Action);
        Assert.Equal(7UL, closed.Socket.Cookie);
    }
}
