using System.Globalization;
using SocketAgent.Model;

namespace SocketAgent.Collection.Namespaces;

/// <summary>How a namespace is named in warnings: the <c>ip netns</c> name when it has one, its inode, a pid.</summary>
internal static class NetworkNamespaceText
{
    public static string Describe(NetworkNamespace ns)
    {
        ArgumentNullException.ThrowIfNull(ns);
        string id = string.Create(CultureInfo.InvariantCulture, $"net:[{ns.Inode}]");
        if (ns.Name is not null)
        {
            return $"{ns.Name} ({id})";
        }
        if (ns.ContainerId is not null)
        {
            return $"{id} (container {ns.ContainerId[..Math.Min(12, ns.ContainerId.Length)]})";
        }
        return ns.Pids.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $"{id} (pid {ns.Pids[0]})") : id;
    }
}
