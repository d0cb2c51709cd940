using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json.Reference;

/// <summary>
/// Writes <see cref="ProcessFields"/> (<c>process</c> and the items of <c>socket.processes</c>). A process that
/// holds thousands of sockets appears in thousands of lines, so its object — args and command line are the
/// longest strings of a line — is encoded once and then copied as raw UTF-8.
/// </summary>
internal sealed class ProcessFieldsJsonConverter : JsonConverter<ProcessFields>
{
    private static readonly JsonEncodedText s_pid = JsonEncodedText.Encode("pid");
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText s_args = JsonEncodedText.Encode("args");
    private static readonly JsonEncodedText s_argsCount = JsonEncodedText.Encode("args_count");
    private static readonly JsonEncodedText s_commandLine = JsonEncodedText.Encode("command_line");
    private static readonly JsonEncodedText s_executable = JsonEncodedText.Encode("executable");
    private static readonly JsonEncodedText s_parent = JsonEncodedText.Encode("parent");
    private static readonly JsonEncodedText s_start = JsonEncodedText.Encode("start");
    private static readonly JsonEncodedText s_user = JsonEncodedText.Encode("user");
    private static readonly JsonEncodedText s_id = JsonEncodedText.Encode("id");

    public override ProcessFields Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("process is written, never read.");

    public override void Write(Utf8JsonWriter writer, ProcessFields value, JsonSerializerOptions options)
    {
        byte[] json = value.Utf8Json ??= Encode(value);
        // The bytes came from our own Utf8JsonWriter: already valid, no need to re-validate per line.
        writer.WriteRawValue(json, skipInputValidation: true);
    }

    private static byte[] Encode(ProcessFields value)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, SocketAgent.Encoders.Json.JsonLinesWriter.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber(s_pid, value.Pid);
            writer.WriteString(s_name, value.Name);
            if (value.Args is { } args)
            {
                writer.WriteStartArray(s_args);
                for (int i = 0; i < args.Count; i++)
                {
                    writer.WriteStringValue(args[i]);
                }
                writer.WriteEndArray();
            }
            if (value.ArgsCount is int argsCount)
            {
                writer.WriteNumber(s_argsCount, argsCount);
            }
            WriteIfNotNull(writer, s_commandLine, value.CommandLine);
            WriteIfNotNull(writer, s_executable, value.Executable);
            if (value.Parent is ParentProcessFields parent)
            {
                writer.WriteStartObject(s_parent);
                writer.WriteNumber(s_pid, parent.Pid);
                WriteIfNotNull(writer, s_name, parent.Name);
                WriteIfNotNull(writer, s_executable, parent.Executable);
                writer.WriteEndObject();
            }
            WriteIfNotNull(writer, s_start, value.Start);
            if (value.User is UserFields user)
            {
                writer.WriteStartObject(s_user);
                writer.WriteString(s_id, user.Id);
                WriteIfNotNull(writer, s_name, user.Name);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteIfNotNull(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
