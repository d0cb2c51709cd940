using System.Text.Json.Serialization;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// <c>netstat.*</c>: one <see cref="ProtocolStatistics"/> group written by <see cref="NetstatJsonConverter"/>, its
/// counters as one object keyed by the kernel's names in file order (see <see cref="RouteJson"/> for why a struct).
/// </summary>
[JsonConverter(typeof(NetstatJsonConverter))]
public readonly struct NetstatJson
{
    public NetstatJson(ProtocolStatistics value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
    }

    public ProtocolStatistics Value { get; }
}
