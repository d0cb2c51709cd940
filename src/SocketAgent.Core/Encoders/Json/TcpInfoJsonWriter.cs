using System.Text.Json;
using SocketAgent.Model;

namespace SocketAgent.Encoders.Json;

/// <summary>
/// Writes <see cref="TcpInfo"/> as <c>socket.tcp_info</c> with the snake_case names of the schema, leaving out
/// the fields the kernel did not send and the fields the <see cref="FieldProfile"/> does not ask for. Hand-written so the model keeps its .NET names, no per-socket DTO copy is
/// allocated, and the 30-odd property names are pre-encoded once.
/// </summary>
internal static class TcpInfoJsonWriter
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

    /// <summary>The kernel's "no threshold yet" (<c>TCP_INFINITE_SSTHRESH</c>): not a measurement, so never written.</summary>
    internal const uint InfiniteSsthresh = 0x7fffffff;

    /// <summary>
    /// The fields of <see cref="FieldProfile.Default"/>, the ones people chart: rtt, retransmissions in total, bytes
    /// each way (what <c>correlate</c> reads), the congestion window and the delivery rate. Of these, the counters
    /// (retransmissions, bytes, delivery rate) are left out when zero, as <c>ss -i</c> does: absent means 0.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultFields =
        ["rtt_us", "total_retrans", "bytes_acked", "bytes_received", "snd_cwnd", "delivery_rate"];

    /// <summary>
    /// Writes <paramref name="value"/> as the object <paramref name="name"/>: the <see cref="DefaultFields"/> for
    /// <see cref="FieldProfile.Default"/> (zero counters left out), all of them for <see cref="FieldProfile.Full"/>. Kernel sentinels
    /// (<c>pacing_rate</c> all bits set: "unlimited"; <c>snd_ssthresh</c> <see cref="InfiniteSsthresh"/>) are left out;
    /// so is any 64-bit counter above <see cref="long.MaxValue"/> (<see cref="KernelValues"/>).
    /// </summary>
    public static void Write(Utf8JsonWriter writer, JsonEncodedText name, TcpInfo value, FieldProfile profile)
    {
        writer.WriteStartObject(name);
        bool full = profile == FieldProfile.Full;
        Write(writer, s_rttUs, value.RttMicros);
        if (full)
        {
            Write(writer, s_rttvarUs, value.RttVarMicros);
            Write(writer, s_rtoUs, value.RtoMicros);
            Write(writer, s_minRttUs, value.MinRttMicros);
            writer.WriteNumber(s_retransmits, value.Retransmits);
            Write(writer, s_retrans, value.Retrans);
        }
        WriteCounter(writer, s_totalRetrans, value.TotalRetrans, full);
        if (full)
        {
            Write(writer, s_lost, value.Lost);
            Write(writer, s_unacked, value.Unacked);
            KernelValues.Write(writer, s_bytesSent, value.BytesSent);
        }
        WriteCounter(writer, s_bytesAcked, value.BytesAcked, full);
        WriteCounter(writer, s_bytesReceived, value.BytesReceived, full);
        if (full)
        {
            KernelValues.Write(writer, s_bytesRetrans, value.BytesRetrans);
            Write(writer, s_segsOut, value.SegsOut);
            Write(writer, s_segsIn, value.SegsIn);
        }
        Write(writer, s_sndCwnd, value.SndCwnd);
        if (full)
        {
            if (value.SndSsthresh is uint ssthresh && ssthresh < InfiniteSsthresh)
            {
                writer.WriteNumber(s_sndSsthresh, ssthresh);
            }
            Write(writer, s_sndMss, value.SndMss);
            Write(writer, s_pmtu, value.Pmtu);
        }
        WriteCounter(writer, s_deliveryRate, value.DeliveryRate, full);
        if (full)
        {
            if (value.PacingRate != ulong.MaxValue)
            {
                KernelValues.Write(writer, s_pacingRate, value.PacingRate);
            }
            Write(writer, s_lastDataSentMs, value.LastDataSentMillis);
            Write(writer, s_lastDataRecvMs, value.LastDataRecvMillis);
            Write(writer, s_notsentBytes, value.NotsentBytes);
            Write(writer, s_delivered, value.Delivered);
            KernelValues.Write(writer, s_busyTimeUs, value.BusyTimeMicros);
            Write(writer, s_sndWnd, value.SndWnd);
            Write(writer, s_rcvWnd, value.RcvWnd);
            Write(writer, s_dsackDups, value.DsackDups);
            Write(writer, s_totalRto, value.TotalRto);
            Write(writer, s_totalRtoTimeMs, value.TotalRtoTimeMillis);
        }
        writer.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter writer, JsonEncodedText name, uint? value)
    {
        if (value is uint v)
        {
            writer.WriteNumber(name, v);
        }
    }

    private static void WriteCounter(Utf8JsonWriter writer, JsonEncodedText name, ulong? value, bool zero)
    {
        if (value is ulong v && (zero || v != 0))
        {
            KernelValues.Write(writer, name, v);
        }
    }

    private static void WriteCounter(Utf8JsonWriter writer, JsonEncodedText name, uint? value, bool zero)
    {
        if (value is uint v && (zero || v != 0))
        {
            writer.WriteNumber(name, v);
        }
    }
}
