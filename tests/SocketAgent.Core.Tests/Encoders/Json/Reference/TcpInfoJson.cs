using System.Text.Json.Serialization;
using SocketAgent.Model;

using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json.Reference;

/// <summary>
/// <c>socket.tcp_info</c>: the model's <see cref="Model.TcpInfo"/> written with the schema's snake_case names by
/// <see cref="TcpInfoJsonConverter"/>. A struct with a type-level converter (rather than a converter on the
/// property) keeps the source generator's fast path for the enclosing <see cref="SocketFields"/>, and costs no
/// allocation per socket.
/// </summary>
[JsonConverter(typeof(TcpInfoJsonConverter))]
public readonly struct TcpInfoJson
{
    public TcpInfoJson(TcpInfo value, bool full)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
        Full = full;
    }

    public TcpInfo Value { get; }

    /// <summary>Every field (full profile), else the default set without zero counters.</summary>
    public bool Full { get; }
}
