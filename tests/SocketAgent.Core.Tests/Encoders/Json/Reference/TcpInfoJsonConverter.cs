using System.Text.Json;
using System.Text.Json.Serialization;
using SocketAgent.Model;

using SocketAgent.Encoders.Json;

namespace SocketAgent.Tests.Encoders.Json.Reference;

/// <summary>
/// Writes <see cref="TcpInfo"/> as <c>socket.tcp_info</c> with the snake_case names of the schema, leaving out
/// the fields the kernel did not send. Hand-written so the model keeps its .NET names, no per-socket DTO copy is
/// allocated, and the 30-odd property names are pre-encoded once.
/// </summary>
internal sealed class TcpInfoJsonConverter : JsonConverter<TcpInfoJson>
{
    private static readonly JsonEncodedText s_rttUs = JsonEncodedText.Encode("rtt_us");
    private static readonly JsonEncodedText s_rttvarUs = JsonEncodedText.Encode("rttvar_us");
    private static readonly JsonEncodedText s_rtoUs = JsonEncodedText.Encode("rto_us");
    private static readonly JsonEncodedText s_minRttUs = JsonEncodedText.Encode("min_rtt_us");
    private static readonly JsonEncodedText s_retransmits = JsonEncodedText.Encode("retransmits");
    private static readonly JsonEncodedText s_retrans = JsonEncodedText.Encode("retrans");
    private static readonly JsonEncodedText s_totalRetrans = JsonEncodedText.Encode("total_retrans");
    private static readonly JsonEncodedText s_lost = JsonEncodedText.Encode("lost");
    private static readonly JsonEncodedText s_unacked = JsonEncodedText.Encode("unacked");
    private static readonly JsonEncodedText s_bytesSent = JsonEncodedText.Encode("bytes_sent");
    private static readonly JsonEncodedText s_bytesAcked = JsonEncodedText.Encode("bytes_acked");
    private static readonly JsonEncodedText s_bytesReceived = JsonEncodedText.Encode("bytes_received");
    private static readonly JsonEncodedText s_bytesRetrans = JsonEncodedText.Encode("bytes_retrans");
    private static readonly JsonEncodedText s_segsOut = JsonEncodedText.Encode("segs_out");
    private static readonly JsonEncodedText s_segsIn = JsonEncodedText.Encode("segs_in");
    private static readonly JsonEncodedText s_sndCwnd = JsonEncodedText.Encode("snd_cwnd");
    private static readonly JsonEncodedText s_sndSsthresh = JsonEncodedText.Encode("snd_ssthresh");
    private static readonly JsonEncodedText s_sndMss = JsonEncodedText.Encode("snd_mss");
    private static readonly JsonEncodedText s_pmtu = JsonEncodedText.Encode("pmtu");
    private static readonly JsonEncodedText s_deliveryRate = JsonEncodedText.Encode("delivery_rate");
    private static readonly JsonEncodedText s_pacingRate = JsonEncodedText.Encode("pacing_rate");
    private static readonly JsonEncodedText s_lastDataSentMs = JsonEncodedText.Encode("last_data_sent_ms");
    private static readonly JsonEncodedText s_lastDataRecvMs = JsonEncodedText.Encode("last_data_recv_ms");
    private static readonly JsonEncodedText s_notsentBytes = JsonEncodedText.Encode("notsent_bytes");
    private static readonly JsonEncodedText s_delivered = JsonEncodedText.Encode("delivered");
    private static readonly JsonEncodedText s_busyTimeUs = JsonEncodedText.Encode("busy_time_us");
    private static readonly JsonEncodedText s_sndWnd = JsonEncodedText.Encode("snd_wnd");
    private static readonly JsonEncodedText s_rcvWnd = JsonEncodedText.Encode("rcv_wnd");
    private static readonly JsonEncodedText s_dsackDups = JsonEncodedText.Encode("dsack_dups");
    private static readonly JsonEncodedText s_totalRto = JsonEncodedText.Encode("total_rto");
    private static readonly JsonEncodedText s_totalRtoTimeMs = JsonEncodedText.Encode("total_rto_time_ms");

    public override TcpInfoJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("socket.tcp_info is written, never read.");

    public override void Write(Utf8JsonWriter writer, TcpInfoJson json, JsonSerializerOptions options)
    {
        TcpInfo value = json.Value;
        writer.WriteStartObject();
        if (!json.Full)
        {
            // The default set: rtt and cwnd as measured, the counters only when not zero.
            Write(writer, s_rttUs, value.RttMicros);
            Write(writer, s_totalRetrans, value.TotalRetrans is 0 ? null : value.TotalRetrans);
            Write(writer, s_bytesAcked, value.BytesAcked is 0 ? null : value.BytesAcked);
            Write(writer, s_bytesReceived, value.BytesReceived is 0 ? null : value.BytesReceived);
            Write(writer, s_sndCwnd, value.SndCwnd);
            Write(writer, s_deliveryRate, value.DeliveryRate is 0 ? null : value.DeliveryRate);
            writer.WriteEndObject();
            return;
        }
        Write(writer, s_rttUs, value.RttMicros);
        Write(writer, s_rttvarUs, value.RttVarMicros);
        Write(writer, s_rtoUs, value.RtoMicros);
        Write(writer, s_minRttUs, value.MinRttMicros);
        writer.WriteNumber(s_retransmits, value.Retransmits);
        Write(writer, s_retrans, value.Retrans);
        Write(writer, s_totalRetrans, value.TotalRetrans);
        Write(writer, s_lost, value.Lost);
        Write(writer, s_unacked, value.Unacked);
        Write(writer, s_bytesSent, value.BytesSent);
        Write(writer, s_bytesAcked, value.BytesAcked);
        Write(writer, s_bytesReceived, value.BytesReceived);
        Write(writer, s_bytesRetrans, value.BytesRetrans);
        Write(writer, s_segsOut, value.SegsOut);
        Write(writer, s_segsIn, value.SegsIn);
        Write(writer, s_sndCwnd, value.SndCwnd);
        // The kernel's "infinite" threshold and "unlimited" pacing are not measurements.
        Write(writer, s_sndSsthresh, value.SndSsthresh >= 0x7fffffff ? null : value.SndSsthresh);
        Write(writer, s_sndMss, value.SndMss);
        Write(writer, s_pmtu, value.Pmtu);
        Write(writer, s_deliveryRate, value.DeliveryRate);
        Write(writer, s_pacingRate, value.PacingRate == ulong.MaxValue ? null : value.PacingRate);
        Write(writer, s_lastDataSentMs, value.LastDataSentMillis);
        Write(writer, s_lastDataRecvMs, value.LastDataRecvMillis);
        Write(writer, s_notsentBytes, value.NotsentBytes);
        Write(writer, s_delivered, value.Delivered);
        Write(writer, s_busyTimeUs, value.BusyTimeMicros);
        Write(writer, s_sndWnd, value.SndWnd);
        Write(writer, s_rcvWnd, value.RcvWnd);
        Write(writer, s_dsackDups, value.DsackDups);
        Write(writer, s_totalRto, value.TotalRto);
        Write(writer, s_totalRtoTimeMs, value.TotalRtoTimeMillis);
        writer.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter writer, JsonEncodedText name, ulong? value)
    {
        // A signed 64-bit field cannot hold more: left out, as the agent does.
        if (value is ulong v && v <= long.MaxValue)
        {
            writer.WriteNumber(name, v);
        }
    }
}
