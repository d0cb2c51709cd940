using System.Net;
using SocketAgent.Collection.Rtnetlink;
using SocketAgent.Tests.Collection.Namespaces;
using SocketAgent.Tests.Infrastructure;

namespace SocketAgent.Tests.Collection.Rtnetlink;

/// <summary>
/// Live rtnetlink notifications in a namespace the test creates (so nothing else changes there), with the
/// listener's socket opened inside it.
/// </summary>
public class RtnetlinkChangeListenerTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    /// <summary>Takes pending kinds until all of <paramref name="wanted"/> were seen or the wait ran out.</summary>
    private static async Task<RtnetlinkChangeKind> WaitFor(RtnetlinkChangeListener listener, RtnetlinkChangeKind wanted)
    {
        RtnetlinkChangeKind seen = RtnetlinkChangeKind.None;
        using var timeout = new CancellationTokenSource(s_wait);
        try
        {
            while ((seen & wanted) != wanted)
            {
                seen |= await listener.WaitAsync(timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        return seen;
    }

    private static string AddTestLink(TestNetns scope)
    {
        // This kernel has no dummy driver; a veth pair serves where it is missing.
        try
        {
            scope.IpIn("link", "add", "dummy0", "type", "dummy");
        }
        catch (InvalidOperationException)
        {
            scope.IpIn("link", "add", "dummy0", "type", "veth", "peer", "name", "dummy1");
        }
        return "dummy0";
    }

    [Fact]
    public async Task LinkAddressAndRouteChanges_AreSignalled()
    {
        Assert.SkipWhen(TestNetns.Unavailable() is not null, TestNetns.Unavailable() ?? "");
        using TestNetns scope = TestNetns.Create("rtnl", loopbackUp: false);
        using RtnetlinkChangeListener listener = scope.RunInside(() => new RtnetlinkChangeListener(notificationCapacity: 256)).Start();

        AddTestLink(scope);
        Assert.Equal(RtnetlinkChangeKind.Links, await WaitFor(listener, RtnetlinkChangeKind.Links));

        scope.IpIn("addr", "add", "10.9.9.9/24", "dev", "dummy0");
        Assert.Equal(RtnetlinkChangeKind.Addresses, (await WaitFor(listener, RtnetlinkChangeKind.Addresses)) & RtnetlinkChangeKind.Addresses);

        scope.IpIn("link", "set", "dummy0", "up");
        Assert.Equal(RtnetlinkChangeKind.Links, (await WaitFor(listener, RtnetlinkChangeKind.Links)) & RtnetlinkChangeKind.Links);

        scope.IpIn("route", "add", "10.8.0.0/16", "dev", "dummy0");
        Assert.Equal(RtnetlinkChangeKind.Routes, (await WaitFor(listener, RtnetlinkChangeKind.Routes)) & RtnetlinkChangeKind.Routes);

        Assert.Equal(0, listener.Overruns);
        Assert.Equal(0, listener.Malformed);
        Assert.True(listener.LinkChanges >= 2 && listener.AddressChanges >= 1 && listener.RouteChanges >= 1);

        var notifications = new List<RtnetlinkChangeNotification>();
        while (listener.Notifications!.TryRead(out RtnetlinkChangeNotification? n))
        {
            notifications.Add(n);
        }
        Assert.Contains(notifications, n => n.Link?.Name == "dummy0" && !n.Removed);
        Assert.Contains(notifications, n => n.Address?.Address.Equals(IPAddress.Parse("10.9.9.9")) == true && !n.Removed);
        Assert.Contains(notifications, n => n.Route?.Destination.Equals(IPAddress.Parse("10.8.0.0")) == true && n.Route.DestinationPrefixLength == 16);

        scope.IpIn("link", "del", "dummy0");
        RtnetlinkChangeKind removal = await WaitFor(listener, RtnetlinkChangeKind.Links);
        Assert.True(removal.HasFlag(RtnetlinkChangeKind.Links));
    }

    [Fact]
    public void NothingChanged_NothingPending()
    {
        Assert.SkipWhen(TestNetns.Unavailable() is not null, TestNetns.Unavailable() ?? "");
        using TestNetns scope = TestNetns.Create("rtnl", loopbackUp: false);
        using RtnetlinkChangeListener listener = scope.RunInside(() => new RtnetlinkChangeListener()).Start();
        Thread.Sleep(300);
        Assert.Equal(RtnetlinkChangeKind.None, listener.TakePending());
        Assert.False(listener.Signal.TryPeek(out _));
    }

    [Fact]
    public void Dispose_StopsTheThreadPromptly()
    {
        var listener = new RtnetlinkChangeListener().Start();
        Thread thread = listener.Thread!;
        Assert.True(thread.IsAlive);
        Assert.False(thread.IsThreadPoolThread);

        var disposer = new Thread(listener.Dispose);
        disposer.Start();
        Assert.True(disposer.Join(TimeSpan.FromSeconds(5)), "Dispose took more than 5 seconds"); // 200 ms poll; room for a loaded machine
        Assert.False(thread.IsAlive);
        while (listener.Signal.TryRead(out _))
        {
        }
        Assert.True(SpinWait.SpinUntil(() => listener.Signal.Completion.IsCompleted, TimeSpan.FromSeconds(5)));
    }
}
