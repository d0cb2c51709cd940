namespace SocketAgent.Tests.Collection.Processes;

internal static class ProcessFixtures
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "Fixtures", "processes", .. parts]);

    public static byte[] Read(params string[] parts) => File.ReadAllBytes(Path(parts));
}
