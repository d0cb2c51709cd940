namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>One answer of the operations endpoint: status, body and its type; the connection closes after it.</summary>
internal sealed record OperationsResponse(int Status, string ContentType, ReadOnlyMemory<byte> Body)
{
    private const string TextPlain = "text/plain; charset=utf-8";

    /// <summary>For 405: the methods the resource takes.</summary>
    public string? Allow { get; init; }

    public static OperationsResponse NotFound { get; } = Text(404, "not found: the endpoint serves /metrics and /healthz\n");
    public static OperationsResponse MethodNotAllowed { get; } = Text(405, "method not allowed: GET or HEAD\n") with { Allow = "GET, HEAD" };
    public static OperationsResponse BadRequest { get; } = Text(400, "bad request\n");
    public static OperationsResponse HeadTooLarge { get; } = Text(431, "request header fields too large\n");

    public string Reason => Status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    };

    private static OperationsResponse Text(int status, string body) => new(status, TextPlain, System.Text.Encoding.ASCII.GetBytes(body));
}
