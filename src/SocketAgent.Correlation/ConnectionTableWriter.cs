using System.Globalization;
using System.Text.Json;

namespace SocketAgent.Correlation;

/// <summary>
/// <c>--table</c>: one row per connection for people, netstat-like — client host, pid/program and address, then the
/// server's, protocol, duration and bytes each way. A heading first; rows as connections complete.
/// </summary>
internal sealed class ConnectionTableWriter : IConnectionSink
{
    private const string Format = "{0,-5} {1,-48} {2,-48} {3,10} {4,12} {5,12} {6,5}";
    private readonly TextWriter _output;
    private bool _headingWritten;

    public ConnectionTableWriter(TextWriter output) => _output = output;

    public void Write(in CorrelatedConnection connection)
    {
        WriteHeading();
        string duration = connection.End == EventTimestamp.Unknown ? "open"
            : ((connection.End - connection.Start) / 1e9).ToString("0.000", CultureInfo.InvariantCulture) + "s";
        _output.WriteLine(string.Format(CultureInfo.InvariantCulture, Format,
            connection.Key.Transport == ConnectionTransport.Tcp ? "tcp" : "udp",
            Side(connection.Client, connection.ClientAddress),
            Side(connection.Server, connection.ServerAddress),
            duration, Bytes(connection.ClientBytes), Bytes(connection.ServerBytes), connection.Sides));
    }

    private void WriteHeading()
    {
        if (!_headingWritten)
        {
            _headingWritten = true;
            _output.WriteLine(string.Format(CultureInfo.InvariantCulture, Format,
                "Proto", "Client (host pid/program address)", "Server (host pid/program address)", "Duration", "Client bytes", "Server bytes", "Sides"));
        }
    }

    private static string Side(ConnectionEnd? end, EndpointAddress address)
    {
        string where = address.ToString();
        if (end is null)
        {
            return "? " + where;
        }
        string host = Text(end.HostName) ?? "?";
        string program = end.Pid != 0 ? $"{end.Pid}/{Text(end.ProcessName) ?? "?"}" : "-";
        return $"{host} {program} {where}";
    }

    private static string Bytes(long value) => value < 0 ? "-" : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Decodes a raw JSON string (the agents' escaped text) for display.</summary>
    private static string? Text(byte[]? rawJson)
    {
        if (rawJson is null)
        {
            return null;
        }
        var reader = new Utf8JsonReader(rawJson);
        return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
    }

    public void Flush()
    {
        WriteHeading();
        _output.Flush();
    }
}
