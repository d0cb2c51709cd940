using System.Text.Json;
using SocketAgent.Model;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>Runs records through <see cref="JsonLinesWriter"/>; every line is schema-validated on the way.</summary>
internal static class JsonLines
{
    public static byte[] WriteBytes(SocketSnapshot snapshot, string action = "snapshot", FieldProfile profile = FieldProfile.Default)
    {
        var stream = new MemoryStream();
        using (var writer = new JsonLinesWriter(stream, userNames: null, routeTables: null, profile))
        {
            writer.WriteSnapshot(snapshot, action);
            writer.Flush();
        }
        return stream.ToArray();
    }

    public static string[] Write(SocketSnapshot snapshot, string action = "snapshot", FieldProfile profile = FieldProfile.Default) =>
        SchemaValidator.AssertValidLines(WriteBytes(snapshot, action, profile));

    public static JsonElement WriteOne(SocketRecord record, SocketOwners? owners = null, FieldProfile profile = FieldProfile.Default)
    {
        string[] lines = Write(TestRecords.Snapshot([record], owners), profile: profile);
        Assert.Single(lines);
        using JsonDocument document = JsonDocument.Parse(lines[0]);
        return document.RootElement.Clone();
    }

    public static JsonElement Get(this JsonElement element, string dottedPath)
    {
        foreach (string name in dottedPath.Split('.'))
        {
            Assert.True(element.TryGetProperty(name, out element), $"missing '{name}' of '{dottedPath}'");
        }
        return element;
    }

    public static bool Has(this JsonElement element, string dottedPath)
    {
        foreach (string name in dottedPath.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return false;
            }
        }
        return true;
    }

    public static string? Str(this JsonElement element, string dottedPath) => element.Get(dottedPath).GetString();

    public static ulong U64(this JsonElement element, string dottedPath) => element.Get(dottedPath).GetUInt64();
}
