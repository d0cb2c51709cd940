using System.Text.Json.Serialization;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// <c>interface.*</c>: an <see cref="InterfaceRecord"/> written by <see cref="InterfaceJsonConverter"/> with the
/// names ip prints (see <see cref="RouteJson"/> for why a struct with a converter).
/// </summary>
[JsonConverter(typeof(InterfaceJsonConverter))]
public readonly struct InterfaceJson
{
    public InterfaceJson(InterfaceRecord value)
        : this(value, address: null)
    {
    }

    /// <param name="address">For <c>address_added</c>/<c>address_removed</c> events: the address (<c>interface.address</c>).</param>
    public InterfaceJson(InterfaceRecord value, InterfaceAddress? address)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
        Address = address;
    }

    public InterfaceRecord Value { get; }

    /// <summary>The address an address event is about; null otherwise.</summary>
    public InterfaceAddress? Address { get; }
}
