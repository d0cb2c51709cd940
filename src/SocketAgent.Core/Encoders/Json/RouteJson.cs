using System.Text.Json.Serialization;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// <c>route.*</c>: a <see cref="RouteRecord"/> written by <see cref="RouteJsonConverter"/> with the names ip
/// prints. A struct with a type-level converter: no per-route DTO copy, and the
/// source generator keeps its fast path for the enclosing document.
/// </summary>
[JsonConverter(typeof(RouteJsonConverter))]
public readonly struct RouteJson
{
    /// <param name="value">The route.</param>
    /// <param name="table">The name of its table (<see cref="RouteTableNames.GetName"/>).</param>
    public RouteJson(RouteRecord value, string table)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(table);
        Value = value;
        Table = table;
    }

    public RouteRecord Value { get; }

    public string Table { get; }
}
