using System.Text;
using SocketAgent.Delivery;

namespace SocketAgent.Tests.Delivery;

public sealed class EventLineRouterTests
{
    private sealed class CollectingOutput : ILineOutput
    {
        public List<string> Lines { get; } = [];
        public int Flushes { get; private set; }
        public string Name => "collect";
        public void Write(ReadOnlySpan<byte> json) => Lines.Add(Encoding.UTF8.GetString(json));
        public void Flush() => Flushes++;
        public void Dispose() { }
    }

    private const string Socket =
        "{\"@timestamp\":\"x\",\"event\":{\"dataset\":\"socket\",\"action\":\"opened\",\"id\":\"a\",\"sequence\":41},\"host\":{\"name\":\"h\"},"
        + "\"network\":{\"transport\":\"tcp\",\"netns\":{\"inode\":5},\"community_id\":\"1:abc=\"},\"process\":{\"args\":[\"{\\\"sequence\\\":9}\"]}}";

    private const string Route = "{\"event\":{\"sequence\":42,\"dataset\":\"route\"},\"route\":{\"destination\":\"0.0.0.0/0\"}}";

    [Fact]
    public void Lines_cut_anywhere_reach_every_output_whole_and_the_spool_with_their_routing_fields()
    {
        var first = new CollectingOutput();
        var second = new CollectingOutput();
        var remote = new List<DeliveryRecord>();
        // The router lends its buffer for the call only: keep a copy, as the spool does.
        using var router = new EventLineRouter([first, second], r => remote.Add(r with { Json = r.Json.ToArray() }));

        byte[] bytes = Encoding.UTF8.GetBytes(Socket + "\n" + Route + "\n");
        // Written in awkward pieces, as a buffered encoder may do.
        for (int i = 0; i < bytes.Length; i += 7)
        {
            router.Write(bytes, i, Math.Min(7, bytes.Length - i));
        }
        router.Flush();

        Assert.Equal([Socket, Route], first.Lines);
        Assert.Equal([Socket, Route], second.Lines);
        Assert.Equal(1, first.Flushes);
        Assert.Equal(2, remote.Count);
        Assert.Equal((41L, "socket", "1:abc="), (remote[0].Sequence, remote[0].Dataset, remote[0].CommunityId));
        Assert.Equal((42L, "route", (string?)null), (remote[1].Sequence, remote[1].Dataset, remote[1].CommunityId));
        Assert.Equal(Route, Encoding.UTF8.GetString(remote[1].Json.Span));
        Assert.Equal(2, router.Lines);
    }

    [Fact]
    public void A_partial_line_waits_for_its_end()
    {
        var output = new CollectingOutput();
        using var router = new EventLineRouter([output], null);

        router.Write(Encoding.UTF8.GetBytes(Route[..10]));
        Assert.Empty(output.Lines);
        router.Write(Encoding.UTF8.GetBytes(Route[10..] + "\n"));
        Assert.Equal([Route], output.Lines);
    }
}
