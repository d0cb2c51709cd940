namespace SocketAgent.Correlation.Map;

/// <summary>The picture could not be made (Graphviz missing or failing): the map stops with exit code 1 and this message.</summary>
internal sealed class MapOutputException : Exception
{
    public MapOutputException(string message)
        : base(message)
    {
    }
}
