using System.Text.Json.Serialization;
using SocketAgent.Model;

namespace SocketAgent.Output.Json;

/// <summary>
/// <c>interface.*</c>: an <see cref="InterfaceRecord"/> written by <see cref="InterfaceJsonConverter"/> with the
/// names ip prints (see <see cref="RouteJson"/> for why a struct with a converter).
/// </summary>
[JsonConverter(typeof(InterfaceJsonConverter))]
public readonly struct InterfaceJson
{
    public InterfaceJson(InterfaceRecord value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
    }

    public InterfaceRecord Value { get; }
}
