using System.Text.Json;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary><c>user.name</c> for sockets whose uid no holder shares comes from the uid → name resolver.</summary>
public sealed class UserNameTests
{
    private static JsonElement WriteWithResolver(SocketRecord record, Func<uint, string?>? names)
    {
        using var stream = new MemoryStream();
        using (var writer = new JsonLinesWriter(stream, names))
        {
            writer.WriteSnapshot(TestRecords.Snapshot([record], SocketOwners.Empty));
        }
        string line = System.Text.Encoding.UTF8.GetString(stream.ToArray()).TrimEnd('\n');
        SchemaValidator.AssertValid(line);
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    private static SocketRecord Unowned(uint uid) => new()
    {
        Transport = Transport.Tcp,
        Family = System.Net.Sockets.AddressFamily.InterNetwork,
        State = KernelSocketState.Listen,
        LocalAddress = System.Net.IPAddress.Any,
        LocalPort = 8080,
        RemoteAddress = System.Net.IPAddress.Any,
        Uid = uid,
        Inode = 4242,
    };

    [Fact]
    public void Unowned_socket_gets_its_user_name_from_the_resolver()
    {
        JsonElement doc = WriteWithResolver(Unowned(1001), uid => uid == 1001 ? "alice" : null);

        Assert.Equal("1001", doc.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("alice", doc.GetProperty("user").GetProperty("name").GetString());
    }

    [Fact]
    public void Unknown_uid_keeps_the_id_and_leaves_the_name_out()
    {
        JsonElement doc = WriteWithResolver(Unowned(777), _ => null);

        Assert.Equal("777", doc.GetProperty("user").GetProperty("id").GetString());
        Assert.False(doc.GetProperty("user").TryGetProperty("name", out _));
    }
}
