using System.Text.Json;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Writes the kernel's unsigned 64-bit values as JSON integers a search cluster can index: Elasticsearch's and
/// OpenSearch's <c>long</c> is signed, and a number above <see cref="long.MaxValue"/> makes them reject the whole
/// document. Such a value (only a broken source reports one: a counter would take centuries to get there) is left out
/// of its line and counted here, and the line is written without it.
/// </summary>
public static class KernelValues
{
    private static long s_dropped;

    /// <summary>
    /// Values left out because they did not fit a signed 64-bit field, by every writer of this process (the heartbeat's
    /// <c>values_dropped</c>).
    /// </summary>
    public static long Dropped => Volatile.Read(ref s_dropped);

    /// <summary>True when <paramref name="value"/> fits a signed 64-bit field; false (counted) when it must be left out.</summary>
    public static bool Fits(ulong value)
    {
        if (value <= long.MaxValue)
        {
            return true;
        }
        Interlocked.Increment(ref s_dropped);
        return false;
    }

    /// <summary>Writes <paramref name="value"/> as <paramref name="name"/>, or leaves it out (counted) when it is above <see cref="long.MaxValue"/>.</summary>
    public static void Write(Utf8JsonWriter writer, JsonEncodedText name, ulong value)
    {
        if (Fits(value))
        {
            writer.WriteNumber(name, value);
        }
    }

    /// <summary>As <see cref="Write(Utf8JsonWriter, JsonEncodedText, ulong)"/>; nothing when the kernel did not send the value.</summary>
    public static void Write(Utf8JsonWriter writer, JsonEncodedText name, ulong? value)
    {
        if (value is ulong v)
        {
            Write(writer, name, v);
        }
    }
}
