namespace SocketAgent.Correlation;

/// <summary>Where joined connections go: JSON lines or the table.</summary>
internal interface IConnectionSink
{
    void Write(in CorrelatedConnection connection);

    void Flush();
}
