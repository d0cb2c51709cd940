/* SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-only */
/*
 * The records the kernel side hands to the agent through the ring buffer. TraceRecord.cs and ExecRecord.cs
 * mirror these layouts byte for byte (explicit offsets there): change both together.
 */
#ifndef SOCKET_TRACE_H
#define SOCKET_TRACE_H

#define RECORD_TCP 1
#define RECORD_EXEC 2
#define RECORD_FORK 3
#define RECORD_UDP_OPEN 4
#define RECORD_UDP_RELEASE 5

#define COMM_LEN 16
/* A power of two: the verifier needs the copy length masked into the buffer. */
#define ARGS_MAX 4096

/* tcp_record.flags */
#define FLAG_OWNER_KNOWN 1      /* the owner was taken where the process acted (connect, listen, accept) */
#define FLAG_OWNER_LISTENER 2   /* a passive open not accepted yet: the owner is the listener's */
#define FLAG_BYTES_KNOWN 4      /* payload counters relative to a baseline taken at ESTABLISHED */
#define FLAG_ARGS_TRUNCATED 8   /* exec: the argument block was longer than ARGS_MAX */
#define FLAG_UDP_RECEIVED_FIRST 16 /* udp_open_record: the flow's first datagram was received, not sent */

/* counters map slots */
#define COUNTER_RESERVE_FAILED 0 /* a record that found the ring buffer full: lost */
#define COUNTER_ATTEMPTED 1      /* records the programs tried to emit (delivered + lost) */
#define COUNTER_DEDUPLICATED 2   /* transitions the second copy skipped because the first emitted them */
#define COUNTER_ACCEPTS 3        /* accept()s whose socket got its owner */
#define COUNTER_UDP_FLOWS 4       /* UDP flows opened (an entry added to udp_flows, an open record attempted) */
#define COUNTER_UDP_UNATTRIBUTED 5 /* UDP datagrams whose peer was not known (read()/recv() on an unconnected socket) */
#define COUNTER_UDP_MMSG_BEYOND 6  /* datagrams of one sendmmsg/recvmmsg past the first UDP_MMSG_MAX: not counted */
#define COUNTER_UDP_RELEASES 7     /* UDP sockets with flows released (a release record attempted) */
#define COUNTER_SLOTS 8

/* Messages of one sendmmsg()/recvmmsg() call that are counted (the verifier needs a bound). */
#define UDP_MMSG_MAX 64

struct tcp_record {
	__u32 kind;          /* RECORD_TCP */
	__u32 pid;           /* owner's thread group id; 0 when unknown */
	__u32 tid;
	__u32 uid;
	__u64 timestamp_ns;  /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 start_ns;      /* when the socket was first seen (connect, listen, SYN); 0 when unknown */
	__u64 cookie;
	__u64 bytes_sent;    /* payload acked by the peer, SYN and FIN excluded (at CLOSE) */
	__u64 bytes_received;/* payload received, SYN and FIN excluded (at CLOSE) */
	__u32 segs_out;      /* segments that carried data, each way (at CLOSE) */
	__u32 segs_in;
	__u32 netns;         /* network namespace inode */
	__u32 flags;
	__s32 error;         /* sk_err at the transition (ECONNREFUSED, ETIMEDOUT, ECONNRESET...) */
	__u16 family;
	__u16 sport;         /* host order */
	__u16 dport;         /* host order */
	__u8 oldstate;
	__u8 newstate;
	__u8 saddr[16];
	__u8 daddr[16];
	char comm[COMM_LEN];
};

struct exec_record {
	__u32 kind;          /* RECORD_EXEC */
	__u32 pid;
	__u32 uid;
	__u32 args_len;      /* bytes of args used: NUL-separated argv as in /proc/PID/cmdline */
	__u32 flags;
	__u32 ppid;
	char comm[COMM_LEN];
	char args[ARGS_MAX];
};

/* A new process (not a thread): until it execs, it runs its parent's command line. */
struct fork_record {
	__u32 kind;          /* RECORD_FORK */
	__u32 pid;
	__u32 ppid;
	__u32 pad;
};

/* A UDP flow: a socket (cookie) and one remote endpoint, as the map udp_flows keys it. */
struct udp_flow_key {
	__u64 cookie;
	__u16 family;        /* of the remote address as given (AF_INET, AF_INET6) */
	__u16 port;          /* remote port, host order */
	__u32 pad;
	__u8 addr[16];       /* remote address: 4 bytes for AF_INET, 16 for AF_INET6 */
};

/* Its counters, read and removed by the agent when the flow ends (socket released, idle). */
struct udp_flow {
	__u64 start_ns;      /* first datagram (CLOCK_MONOTONIC) */
	__u64 last_ns;       /* last datagram */
	__u64 bytes_out;     /* payload sent, as the application passed it */
	__u64 bytes_in;      /* payload received, as the application read it */
	__u64 packets_out;   /* datagrams each way */
	__u64 packets_in;
};

/* The first datagram of a new flow: who, where, which socket. */
struct udp_open_record {
	__u32 kind;          /* RECORD_UDP_OPEN */
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u64 timestamp_ns;
	__u64 cookie;
	__u32 netns;
	__u32 flags;         /* FLAG_OWNER_KNOWN, FLAG_UDP_RECEIVED_FIRST */
	__u16 family;        /* the socket's (local address) */
	__u16 remote_family; /* the remote address's, as the key has it */
	__u16 sport;         /* host order */
	__u16 dport;         /* host order */
	__u8 saddr[16];
	__u8 daddr[16];
	char comm[COMM_LEN];
};

/* A UDP socket that had flows was released (its last file reference closed): its flows end. */
struct udp_release_record {
	__u32 kind;          /* RECORD_UDP_RELEASE */
	__u32 pad;
	__u64 timestamp_ns;
	__u64 cookie;
};

#endif
