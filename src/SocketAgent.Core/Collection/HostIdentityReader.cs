using SocketAgent.Model;

namespace SocketAgent.Collection;

/// <summary>Reads ECS <c>host.name</c> (the kernel hostname) and <c>host.id</c> (systemd's machine id).</summary>
internal static class HostIdentityReader
{
    // systemd writes /etc/machine-id; dbus-only systems keep the same format here.
    private static readonly string[] s_machineIdPaths = ["/etc/machine-id", "/var/lib/dbus/machine-id"];

    public static HostIdentity Read(string? hostNameOverride = null) =>
        new(string.IsNullOrEmpty(hostNameOverride) ? ReadHostName() : hostNameOverride, ReadMachineId(s_machineIdPaths));

    internal static string ReadHostName()
    {
        // /proc/sys/kernel/hostname is the UTS namespace's name, not truncated the way some APIs are.
        try
        {
            string name = File.ReadAllText("/proc/sys/kernel/hostname").Trim();
            if (name.Length > 0)
            {
                return name;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return Environment.MachineName;
    }

    internal static string? ReadMachineId(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            try
            {
                string? id = ParseMachineId(File.ReadAllText(path));
                if (id is not null)
                {
                    return id;
                }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return null;
    }

    /// <summary>A machine id is 32 lowercase hex characters on one line; anything else is rejected.</summary>
    internal static string? ParseMachineId(ReadOnlySpan<char> text)
    {
        ReadOnlySpan<char> id = text.Trim();
        if (id.Length != 32)
        {
            return null;
        }
        foreach (char c in id)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return null;
            }
        }
        return id.ToString();
    }
}
