using System.Text;
using SocketAgent.Correlation;
using SocketAgent.Correlation.Map;

namespace SocketAgent.Cli.Commands;

/// <summary>
/// One <c>socket-agent map</c> invocation: read every line, build the graph, write it in the format asked. The
/// picture is made before anything is written, so a failure (dot missing or failing) leaves no half file behind.
/// </summary>
internal sealed class MapRun(StandardStreams streams, MapFormat format, string? outputPath, ServiceMap map)
{
    private readonly ServiceMap _map = map;

    public int Files(string[] paths)
    {
        if (!TryFindDot(out string? dot))
        {
            return ExitCodes.Failure;
        }
        var reader = new ConnectionLineReader(_map);
        foreach (string path in paths)
        {
            try
            {
                using TextReader text = path == "-"
                    ? new StreamReader(Console.OpenStandardInput(), Encoding.UTF8)
                    : new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan), Encoding.UTF8);
                reader.Read(text, path == "-" ? "stdin" : path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                streams.Error.WriteLine($"socket-agent: map: {ex.Message}");
                return ExitCodes.Failure;
            }
        }
        return Finish(reader, dot);
    }

    public int Kafka(MapKafkaOptions options)
    {
        if (!TryFindDot(out string? dot))
        {
            return ExitCodes.Failure;
        }
        var reader = new ConnectionLineReader(_map);
        try
        {
            KafkaConnectionSource.Read(options, reader);
        }
        catch (CorrelationInputException ex)
        {
            streams.Error.WriteLine($"socket-agent: map: {ex.Message}");
            return ExitCodes.Failure;
        }
        return Finish(reader, dot);
    }

    /// <summary>For SVG, Graphviz's dot must be there; checked before reading, so a long read is not wasted.</summary>
    private bool TryFindDot(out string? dot)
    {
        dot = null;
        if (format != MapFormat.Svg)
        {
            return true;
        }
        dot = GraphvizRenderer.Find();
        if (dot is null)
        {
            streams.Error.WriteLine("socket-agent: map: --format svg needs Graphviz's dot program, which is not on PATH: "
                + "install Graphviz (apt-get install graphviz), or write --format dot and render it elsewhere (dot -Tsvg map.dot > map.svg)");
            return false;
        }
        return true;
    }

    private int Finish(ConnectionLineReader reader, string? dot)
    {
        if (reader.Invalid > 0)
        {
            streams.Error.WriteLine($"socket-agent: warning: map: {reader.Invalid} of {reader.Lines} lines are not connection lines and were skipped (first: {reader.FirstInvalid})");
        }
        ServiceGraph graph = _map.ToGraph();
        byte[] data;
        try
        {
            data = Render(graph, dot);
        }
        catch (MapOutputException ex)
        {
            streams.Error.WriteLine($"socket-agent: map: {ex.Message}");
            return ExitCodes.Failure;
        }
        try
        {
            if (outputPath is null)
            {
                streams.Output.Write(data);
                streams.Output.Flush();
            }
            else
            {
                File.WriteAllBytes(outputPath, data);
            }
        }
        catch (IOException ex) when (outputPath is null && StandardStreams.IsBrokenPipe(ex))
        {
            return ExitCodes.Success; // the reader went away (| head)
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            streams.Error.WriteLine($"socket-agent: map: {ex.Message}");
            return ExitCodes.Failure;
        }
        string duplicates = _map.Duplicates > 0 ? $" ({_map.Duplicates} repeated, counted once)" : "";
        streams.Error.WriteLine($"socket-agent: map: {_map.Connections} connections{duplicates}, {graph.Services.Count} services, {graph.Edges.Count} edges");
        return ExitCodes.Success;
    }

    private byte[] Render(ServiceGraph graph, string? dot)
    {
        var buffer = new MemoryStream();
        switch (format)
        {
            case MapFormat.Json:
                ServiceMapJsonWriter.Write(graph, buffer);
                break;
            case MapFormat.Mermaid:
                buffer.Write(StandardStreams.Utf8NoBom.GetBytes(MermaidWriter.Write(graph)));
                break;
            case MapFormat.Svg:
                GraphvizRenderer.Render(dot!, DotWriter.Write(graph), "svg", buffer);
                break;
            default:
                buffer.Write(StandardStreams.Utf8NoBom.GetBytes(DotWriter.Write(graph)));
                break;
        }
        return buffer.ToArray();
    }
}
