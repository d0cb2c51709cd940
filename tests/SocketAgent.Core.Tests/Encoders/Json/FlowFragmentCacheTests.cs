using System.Net;
using System.Net.Sockets;
using System.Text;
using SocketAgent.Encoders.Json;
using SocketAgent.Events;
using SocketAgent.Model;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>
/// The encoder keeps a socket's flow members (network, netns, source, destination) for its next lines: every line
/// written through one writer (cache hits) must be byte for byte the line a fresh writer writes (no cache), whatever
/// changed between two lines of the same cookie.
/// </summary>
public sealed class FlowFragmentCacheTests
{
    private static readonly ProcessInfo s_app = new() { Pid = 4242, Name = "app", Args = ["/usr/bin/app", "--serve"], Uid = 1000, UserName = "svc" };

    [Fact]
    public void A_socket_written_again_is_written_as_a_fresh_encoder_writes_it_whatever_changed()
    {
        SocketRecord established = EventRecords.Tcp("10.0.0.5", 43512, "192.0.2.10", 443, cookie: 77);
        SocketRecord finWait = EventRecords.Tcp("10.0.0.5", 43512, "192.0.2.10", 443, KernelSocketState.FinWait1, cookie: 77);
        SocketRecord udp = Udp(cookie: 78, "192.0.2.53", 53);
        SocketRecord reconnected = Udp(cookie: 78, "198.51.100.9", 5353);
        SocketRecord sameSlot = EventRecords.Tcp("10.0.0.5", 40000, "192.0.2.11", 80, cookie: 77 + 1024);
        SocketRecord v6 = EventRecords.Tcp("2001:db8::5", 50000, "2001:db8::10", 8443, cookie: 79);
        var server = new StaticDirections(new ConnectionFlow(ConnectionDirection.Ingress, ConnectionRole.Server));
        NetworkNamespace other = new() { Inode = 4026532999, Name = "blue", OwnerCgroup = new CgroupIdentity { ContainerId = "abc" } };

        (SocketEvent Event, IConnectionDirectionResolver? Directions)[] lines =
        [
            (Event(SocketEventAction.Opened, established), null),
            (Event(SocketEventAction.StateChanged, finWait), null),                 // hit
            (Event(SocketEventAction.StateChanged, finWait), server),               // direction became known
            (Event(SocketEventAction.StateChanged, finWait, other), server), // another namespace
            (Event(SocketEventAction.Opened, sameSlot), null),                      // another socket in the same slot
            (Event(SocketEventAction.StateChanged, finWait), null),
            (Event(SocketEventAction.Opened, udp), null),
            (Event(SocketEventAction.StateChanged, reconnected), null),             // connected elsewhere
            (Event(SocketEventAction.Opened, v6), null),
            (Event(SocketEventAction.StateChanged, v6, ns: null), null),
            // A close with traffic is never served from the cache, and the socket's next line still is right.
            (Event(SocketEventAction.Closed, established, new SocketTraffic(100, 50, 2, 1)), null),
            (Event(SocketEventAction.StateChanged, finWait), null),
        ];

        string cached = Encoding.UTF8.GetString(EventRecords.WriteBytes(w =>
        {
            for (int i = 0; i < lines.Length; i++)
            {
                w.WriteEvent(lines[i].Event, EventRecords.Stamp(i + 1), EventRecords.Agent, TestRecords.Host, lines[i].Directions);
            }
        }));
        var fresh = new StringBuilder();
        for (int i = 0; i < lines.Length; i++)
        {
            fresh.Append(Encoding.UTF8.GetString(EventRecords.WriteBytes(w =>
                w.WriteEvent(lines[i].Event, EventRecords.Stamp(i + 1), EventRecords.Agent, TestRecords.Host, lines[i].Directions))));
        }

        Assert.Equal(fresh.ToString().Split('\n'), cached.Split('\n'));
        string[] valid = SchemaValidator.AssertValidLines(Encoding.UTF8.GetBytes(cached));
        Assert.Equal(lines.Length, valid.Length);
        Assert.Contains("\"direction\":\"ingress\"", valid[2], StringComparison.Ordinal);
        Assert.DoesNotContain("\"direction\"", valid[1], StringComparison.Ordinal);
        Assert.Contains("\"port\":5353", valid[7], StringComparison.Ordinal);
        Assert.Contains("\"inode\":4026532999", valid[3], StringComparison.Ordinal);
    }

    private static SocketEvent Event(SocketEventAction action, SocketRecord record) => EventRecords.Socket(action, record, s_app);

    private static SocketEvent Event(SocketEventAction action, SocketRecord record, NetworkNamespace? ns, SocketTraffic? traffic = null)
    {
        SocketEvent e = EventRecords.Socket(action, record, s_app);
        return new SocketEvent
        {
            Action = e.Action, Socket = e.Socket, Timestamp = e.Timestamp, Owners = e.Owners, FirstSeen = e.FirstSeen, Duration = e.Duration,
            PreviousState = e.PreviousState, Namespace = ns, Traffic = traffic,
        };
    }

    private static SocketEvent Event(SocketEventAction action, SocketRecord record, SocketTraffic traffic) =>
        Event(action, record, HostStateRecords.HostNamespace, traffic);

    private static SocketRecord Udp(ulong cookie, string remote, int remotePort) => new()
    {
        Transport = Transport.Udp,
        Family = AddressFamily.InterNetwork,
        State = KernelSocketState.Established,
        LocalAddress = IPAddress.Parse("10.0.0.5"),
        LocalPort = 5000,
        RemoteAddress = IPAddress.Parse(remote),
        RemotePort = remotePort,
        Uid = 1000,
        Inode = 950,
        Cookie = cookie,
    };

    private sealed class StaticDirections(ConnectionFlow flow) : IConnectionDirectionResolver
    {
        public ConnectionFlow Resolve(SocketRecord socket) => flow;
    }
}
