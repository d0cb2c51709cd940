using SocketAgent.Events;
using SocketAgent.Encoders.Json;

namespace SocketAgent.Collection.Tracing;

/// <summary>A socket event from the tracer, with the direction it knows first-hand (who connected, who listened).</summary>
internal readonly record struct TracedEvent(SocketEvent Event, IConnectionDirectionResolver Directions);
