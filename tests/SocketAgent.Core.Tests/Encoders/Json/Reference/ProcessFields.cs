using System.Text.Json.Serialization;

using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json.Reference;

/// <summary>
/// ECS <c>process.*</c> of one socket holder. Built once per process per snapshot and shared by every document
/// of the sockets it holds; its JSON is encoded once too (<see cref="ProcessFieldsJsonConverter"/>), so it is
/// immutable.
/// </summary>
[JsonConverter(typeof(ProcessFieldsJsonConverter))]
public sealed class ProcessFields
{
    /// <summary>The encoded object, filled in by the converter on first write.</summary>
    internal byte[]? Utf8Json;

    public required int Pid { get; init; }

    /// <summary>The kernel's task name (<c>comm</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Null in the minimal profile.</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Full profile only.</summary>
    public int? ArgsCount { get; init; }

    public string? CommandLine { get; init; }

    public string? Executable { get; init; }

    public ParentProcessFields? Parent { get; init; }

    /// <summary>Start time, RFC 3339 UTC.</summary>
    public string? Start { get; init; }

    /// <summary>Only when it is not the socket's <c>user</c>.</summary>
    public UserFields? User { get; init; }
}

/// <summary>ECS <c>process.parent.*</c>.</summary>
public sealed class ParentProcessFields
{
    public required int Pid { get; init; }

    public string? Name { get; init; }

    public string? Executable { get; init; }
}
