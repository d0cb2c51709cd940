namespace SocketAgent.Collection.Namespaces;

/// <summary>What <c>--netns</c> asks for: <c>host</c> (the agent's own namespace), <c>all</c>, or one namespace file.</summary>
public sealed record NetworkNamespaceSelection
{
    public static readonly NetworkNamespaceSelection Host = new() { Kind = NetworkNamespaceSelectionKind.Host };

    public static readonly NetworkNamespaceSelection All = new() { Kind = NetworkNamespaceSelectionKind.All };

    public required NetworkNamespaceSelectionKind Kind { get; init; }

    /// <summary>The namespace file for <see cref="NetworkNamespaceSelectionKind.Path"/>.</summary>
    public string? Path { get; init; }

    public static NetworkNamespaceSelection ForPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new() { Kind = NetworkNamespaceSelectionKind.Path, Path = path };
    }

    /// <summary>
    /// Parses the <c>--netns</c> value: <c>host</c>, <c>all</c>, or a path. A bare name that exists under
    /// <c>/run/netns</c> is not guessed at: pass <c>/run/netns/NAME</c>, so a typo cannot pick another namespace.
    /// </summary>
    public static NetworkNamespaceSelection Parse(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return value switch
        {
            "host" => Host,
            "all" => All,
            _ => ForPath(value),
        };
    }
}

public enum NetworkNamespaceSelectionKind
{
    Host,
    All,
    Path,
}
