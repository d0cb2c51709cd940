namespace SocketAgent.State;

/// <summary>
/// <c>host.boot.id</c>: the kernel's random boot id, new at every boot, so a consumer can tell that counters and
/// socket cookies started over.
/// </summary>
public static class BootIdReader
{
    public const string DefaultPath = "/proc/sys/kernel/random/boot_id";

    /// <summary>The boot id (a UUID, lower case), or null when the file cannot be read or holds no UUID.</summary>
    public static string? Read(string path = DefaultPath)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static string? Parse(ReadOnlySpan<char> text) =>
        Guid.TryParseExact(text.Trim(), "D", out Guid id) ? id.ToString() : null;
}
