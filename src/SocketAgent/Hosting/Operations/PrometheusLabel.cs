namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>One label of a sample: <c>dataset="socket"</c>. The value is escaped by the writer; the name must be valid as is.</summary>
internal readonly record struct PrometheusLabel(string Name, string Value);
