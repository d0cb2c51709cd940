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

#define COMM_LEN 16
/* A power of two: the verifier needs the copy length masked into the buffer. */
#define ARGS_MAX 4096

/* tcp_record.flags */
#define FLAG_OWNER_KNOWN 1      /* the owner was taken where the process acted (connect, listen, accept) */
#define FLAG_OWNER_LISTENER 2   /* a passive open not accepted yet: the owner is the listener's */
#define FLAG_BYTES_KNOWN 4      /* payload counters relative to a baseline taken at ESTABLISHED */
#define FLAG_ARGS_TRUNCATED 8   /* exec: the argument block was longer than ARGS_MAX */

/* counters map slots */
#define COUNTER_RESERVE_FAILED 0 /* a record that found the ring buffer full: lost */
#define COUNTER_ATTEMPTED 1      /* records the programs tried to emit (delivered + lost) */
#define COUNTER_DEDUPLICATED 2   /* transitions the second copy skipped because the first emitted them */
#define COUNTER_ACCEPTS 3        /* accept()s whose socket got its owner */
#define COUNTER_SLOTS 4

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

#endif
