namespace SocketAgent.Correlation.Map;

/// <summary>What <c>socket-agent map --format</c> writes.</summary>
internal enum MapFormat
{
    /// <summary>Graphviz DOT text (the default: needs nothing installed, renders anywhere).</summary>
    Dot,

    /// <summary>A Mermaid flowchart.</summary>
    Mermaid,

    /// <summary>An SVG picture, laid out by Graphviz's dot.</summary>
    Svg,

    /// <summary>Services and edges as one JSON document.</summary>
    Json,
}
