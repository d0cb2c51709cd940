namespace SocketAgent.Collection.Containers;

/// <summary>
/// Splits an image reference as runtimes and pod specs write it (<c>[registry[:port]/]path[:tag][@digest]</c>) into
/// the ECS <c>container.image.name</c> and <c>container.image.tag</c>.
/// </summary>
internal static class ImageReference
{
    /// <summary>
    /// <c>registry:5000/team/app:1.2</c> → (<c>registry:5000/team/app</c>, <c>1.2</c>). A digest is not a tag and is
    /// dropped from the name (<c>app:1.2@sha256:…</c> → (<c>app</c>, <c>1.2</c>); <c>app@sha256:…</c> → (<c>app</c>, null)).
    /// </summary>
    public static (string? Name, string? Tag) Split(string? reference)
    {
        if (string.IsNullOrEmpty(reference))
        {
            return (null, null);
        }
        int at = reference.IndexOf('@', StringComparison.Ordinal);
        string named = at >= 0 ? reference[..at] : reference;
        if (named.Length == 0)
        {
            return (null, null);
        }
        int colon = named.LastIndexOf(':');
        // A colon before the last slash is a registry's port, not a tag.
        return colon > named.LastIndexOf('/') ? (named[..colon], named[(colon + 1)..]) : (named, null);
    }
}
