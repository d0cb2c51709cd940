using System.Text.Json;

namespace SocketAgent.Encoders.Json;

// The property names and constant values of a socket line, encoded once: written as UTF-8 with no escaping per line.
internal sealed partial class SocketLineEncoder
{
    private static readonly JsonEncodedText s_timestamp = JsonEncodedText.Encode("@timestamp");

    private static readonly JsonEncodedText s_event = JsonEncodedText.Encode("event");
    private static readonly JsonEncodedText s_dataset = JsonEncodedText.Encode("dataset");
    private static readonly JsonEncodedText s_action = JsonEncodedText.Encode("action");
    private static readonly JsonEncodedText s_kind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText s_category = JsonEncodedText.Encode("category");
    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText s_id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText s_sequence = JsonEncodedText.Encode("sequence");
    private static readonly JsonEncodedText s_duration = JsonEncodedText.Encode("duration");
    private static readonly JsonEncodedText s_start = JsonEncodedText.Encode("start");
    private static readonly JsonEncodedText s_end = JsonEncodedText.Encode("end");

    private static readonly JsonEncodedText s_host = JsonEncodedText.Encode("host");
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText s_boot = JsonEncodedText.Encode("boot");

    private static readonly JsonEncodedText s_agent = JsonEncodedText.Encode("agent");
    private static readonly JsonEncodedText s_ephemeralId = JsonEncodedText.Encode("ephemeral_id");
    private static readonly JsonEncodedText s_version = JsonEncodedText.Encode("version");

    private static readonly JsonEncodedText s_network = JsonEncodedText.Encode("network");
    private static readonly JsonEncodedText s_transport = JsonEncodedText.Encode("transport");
    private static readonly JsonEncodedText s_ianaNumber = JsonEncodedText.Encode("iana_number");
    private static readonly JsonEncodedText s_direction = JsonEncodedText.Encode("direction");
    private static readonly JsonEncodedText s_communityId = JsonEncodedText.Encode("community_id");
    private static readonly JsonEncodedText s_netns = JsonEncodedText.Encode("netns");
    private static readonly JsonEncodedText s_inode = JsonEncodedText.Encode("inode");

    private static readonly JsonEncodedText s_source = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText s_destination = JsonEncodedText.Encode("destination");
    private static readonly JsonEncodedText s_server = JsonEncodedText.Encode("server");
    private static readonly JsonEncodedText s_ip = JsonEncodedText.Encode("ip");
    private static readonly JsonEncodedText s_port = JsonEncodedText.Encode("port");

    private static readonly JsonEncodedText s_socket = JsonEncodedText.Encode("socket");
    private static readonly JsonEncodedText s_state = JsonEncodedText.Encode("state");
    private static readonly JsonEncodedText s_previousState = JsonEncodedText.Encode("previous_state");
    private static readonly JsonEncodedText s_stateCode = JsonEncodedText.Encode("state_code");
    private static readonly JsonEncodedText s_localEnd = JsonEncodedText.Encode("local_end");
    private static readonly JsonEncodedText s_path = JsonEncodedText.Encode("path");
    private static readonly JsonEncodedText s_unix = JsonEncodedText.Encode("unix");
    private static readonly JsonEncodedText s_peerInode = JsonEncodedText.Encode("peer_inode");
    private static readonly JsonEncodedText s_cookie = JsonEncodedText.Encode("cookie");
    private static readonly JsonEncodedText s_recvQ = JsonEncodedText.Encode("recv_q");
    private static readonly JsonEncodedText s_sendQ = JsonEncodedText.Encode("send_q");
    private static readonly JsonEncodedText s_interface = JsonEncodedText.Encode("interface");
    private static readonly JsonEncodedText s_index = JsonEncodedText.Encode("index");
    private static readonly JsonEncodedText s_rawProtocol = JsonEncodedText.Encode("raw_protocol");
    private static readonly JsonEncodedText s_tcpInfo = JsonEncodedText.Encode("tcp_info");
    private static readonly JsonEncodedText s_seenOpen = JsonEncodedText.Encode("seen_open");
    private static readonly JsonEncodedText s_outcome = JsonEncodedText.Encode("outcome");
    private static readonly JsonEncodedText s_failure = JsonEncodedText.Encode("failure");
    private static readonly JsonEncodedText s_bytes = JsonEncodedText.Encode("bytes");
    private static readonly JsonEncodedText s_packets = JsonEncodedText.Encode("packets");
    private static readonly JsonEncodedText s_error = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText s_code = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText s_message = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText s_processes = JsonEncodedText.Encode("processes");

    private static readonly JsonEncodedText s_user = JsonEncodedText.Encode("user");
    private static readonly JsonEncodedText s_process = JsonEncodedText.Encode("process");
    private static readonly JsonEncodedText s_pid = JsonEncodedText.Encode("pid");
    private static readonly JsonEncodedText s_args = JsonEncodedText.Encode("args");
    private static readonly JsonEncodedText s_argsCount = JsonEncodedText.Encode("args_count");
    private static readonly JsonEncodedText s_commandLine = JsonEncodedText.Encode("command_line");
    private static readonly JsonEncodedText s_executable = JsonEncodedText.Encode("executable");
    private static readonly JsonEncodedText s_parent = JsonEncodedText.Encode("parent");
    private static readonly JsonEncodedText s_container = JsonEncodedText.Encode("container");

    // Values that are the same on many lines.
    private static readonly JsonEncodedText s_socketDataset = JsonEncodedText.Encode(EventFields.SocketDataset);
    private static readonly JsonEncodedText s_eventKind = JsonEncodedText.Encode(EventKinds.Event);
    private static readonly JsonEncodedText s_stateKind = JsonEncodedText.Encode(EventKinds.State);
    private static readonly JsonEncodedText s_networkCategory = JsonEncodedText.Encode("network");
    private static readonly JsonEncodedText s_info = JsonEncodedText.Encode("info");
    private static readonly JsonEncodedText s_connection = JsonEncodedText.Encode("connection");
    private static readonly JsonEncodedText s_connectionStart = JsonEncodedText.Encode("start");
    private static readonly JsonEncodedText s_connectionEnd = JsonEncodedText.Encode("end");
    private static readonly JsonEncodedText s_opened = JsonEncodedText.Encode("opened");
    private static readonly JsonEncodedText s_closed = JsonEncodedText.Encode("closed");
    private static readonly JsonEncodedText s_stateChanged = JsonEncodedText.Encode("state_changed");
    private static readonly JsonEncodedText s_snapshot = JsonEncodedText.Encode(EventFields.SnapshotAction);
    private static readonly JsonEncodedText s_tcp = JsonEncodedText.Encode("tcp");
    private static readonly JsonEncodedText s_udp = JsonEncodedText.Encode("udp");
    private static readonly JsonEncodedText s_raw = JsonEncodedText.Encode("raw");
    private static readonly JsonEncodedText s_unknownName = JsonEncodedText.Encode("unknown");
    private static readonly JsonEncodedText s_ipv4 = JsonEncodedText.Encode("ipv4");
    private static readonly JsonEncodedText s_ipv6 = JsonEncodedText.Encode("ipv6");
    private static readonly JsonEncodedText s_ingress = JsonEncodedText.Encode("ingress");
    private static readonly JsonEncodedText s_egress = JsonEncodedText.Encode("egress");
    private static readonly JsonEncodedText s_internal = JsonEncodedText.Encode("internal");
}
