// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-only
/*
 * socket-agent's kernel side: every TCP state transition with the process that owns the socket, and the
 * argument vector of every exec (so a process that connects and exits at once still has its command line).
 *
 * Only tracepoints: function tracing (fentry, kprobes) is refused or absent on kernels the agent must run on.
 * CO-RE: vmlinux.h is generated from the build machine's BTF; field offsets are relocated at load time.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "socket_trace.h"

/* TCP states (include/net/tcp_states.h); named apart from vmlinux.h's enum to avoid a clash. */
#define ST_ESTABLISHED 1
#define ST_SYN_SENT 2
#define ST_SYN_RECV 3
#define ST_FIN_WAIT1 4
#define ST_FIN_WAIT2 5
#define ST_TIME_WAIT 6
#define ST_CLOSE 7
#define ST_CLOSE_WAIT 8
#define ST_LAST_ACK 9
#define ST_LISTEN 10
#define ST_CLOSING 11

#define FAMILY_INET 2
#define FAMILY_INET6 10
#define PROTO_TCP 6
#define PROTO_UDP 17

/* x86-64 syscall numbers of accept and accept4 (the object is built for x86-64 only). */
#define NR_ACCEPT 43
#define NR_ACCEPT4 288
/* ...and of the calls that name a datagram's peer (see on_sys_exit). */
#define NR_SENDTO 44
#define NR_RECVFROM 45
#define NR_SENDMSG 46
#define NR_RECVMSG 47
#define NR_RECVMMSG 299
#define NR_SENDMMSG 307

#define MSG_PEEK_FLAG 2
#define MSG_ERRQUEUE_FLAG 0x2000
#define TASK_KTHREAD 0x00200000  /* PF_KTHREAD */
#define TASK_IO_WORKER 0x10      /* PF_IO_WORKER */

char LICENSE[] SEC("license") = "GPL";

struct owner {
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u32 flags;
	char comm[COMM_LEN];
};

/* What is kept per socket between its transitions: the owner (softirq transitions run on a random task). */
struct conn {
	struct owner owner;
	__u64 start_ns;
	__u64 acked0;
	__u64 received0;
	__u32 baseline;
	__u32 pad;
};

struct listener_key {
	__u32 netns;
	__u32 port;
};

struct dedup_key {
	__u64 sk;
	__u32 transition;
	__u32 pad;
};

/* Sized from user space (bpf_map__set_max_entries) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

/* LRU: a socket whose close was never seen (the agent started after its SYN, a lost record) ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, __u64);
	__type(value, struct conn);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct listener_key);
	__type(value, struct owner);
} listeners SEC(".maps");

/* Transitions the first copy emitted, for the second copy to skip (see on_state_second). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct dedup_key);
	__type(value, __u8);
} dedup SEC(".maps");

/*
 * UDP flows (socket cookie + remote endpoint) and their counters. LRU, sized from user space (ebpf.udp_flows): when
 * full, the least recently used flow is evicted; the agent notices (the entry is gone when it ends the flow) and
 * counts it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct udp_flow_key);
	__type(value, struct udp_flow);
} udp_flows SEC(".maps");

/* UDP sockets that have flows: their release is reported (on_sock_release). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u8);
} udp_sockets SEC(".maps");

/*
 * A UDP send or receive through a call that names the peer (sendto, recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg),
 * by thread: the socket layer's tracepoint sees the socket, the syscall's exit sees the address the kernel wrote.
 */
struct udp_pending {
	__u64 sk;
	__u64 cookie;
	__u64 nr;            /* the call and its descriptor: an entry whose exit was never seen matches no other call */
	__u64 fd;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct udp_pending);
} udp_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COUNTER_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *value = bpf_map_lookup_elem(&counters, &slot);
	if (value)
		__sync_fetch_and_add(value, 1);
}

static __always_inline void current_owner(struct owner *o)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	o->pid = pid_tgid >> 32;
	o->tid = (__u32)pid_tgid;
	o->uid = (__u32)bpf_get_current_uid_gid();
	o->flags = FLAG_OWNER_KNOWN;
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

/*
 * The agent drains the ring buffer on its own timer: no record wakes it, so a burst costs no wake-up per event
 * (measured: a wake-up per event slowed the load generator by a third).
 */
static __always_inline void *reserve(__u64 size)
{
	count(COUNTER_ATTEMPTED);
	void *record = bpf_ringbuf_reserve(&events, size, 0);
	if (!record)
		count(COUNTER_RESERVE_FAILED);
	return record;
}

static __always_inline int handle_state(struct sock *sk, int oldstate, int newstate, int second)
{
	if (BPF_CORE_READ(sk, sk_protocol) != PROTO_TCP)
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != FAMILY_INET && family != FAMILY_INET6)
		return 0;

	/*
	 * Two copies of this program are attached. When a softirq interrupts the first on this CPU, the kernel skips
	 * the nested run (recursion_misses) but runs the second copy; the second skips what the first already did.
	 */
	struct dedup_key dk = { .sk = (__u64)sk, .transition = (oldstate << 8) | newstate };
	if (!second) {
		__u8 one = 1;
		bpf_map_update_elem(&dedup, &dk, &one, BPF_ANY);
	} else if (bpf_map_delete_elem(&dedup, &dk) == 0) {
		count(COUNTER_DEDUPLICATED);
		return 0;
	}

	__u64 now = bpf_ktime_get_ns();
	__u64 cookie = bpf_get_socket_cookie(sk);
	__u32 netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	/* skc_num is 0 once the port is released (at CLOSE) and may be set after the LISTEN store: inet_sport then. */
	__u16 sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (!sport)
		sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	struct conn *c = bpf_map_lookup_elem(&conns, &cookie);

	if (oldstate == ST_CLOSE && (newstate == ST_SYN_SENT || newstate == ST_LISTEN)) {
		/* Inside connect() or listen(): current is the owner. */
		struct conn fresh = { .start_ns = now };
		current_owner(&fresh.owner);
		bpf_map_update_elem(&conns, &cookie, &fresh, BPF_ANY);
		if (newstate == ST_LISTEN) {
			struct listener_key lk = { .netns = netns, .port = sport };
			bpf_map_update_elem(&listeners, &lk, &fresh.owner, BPF_ANY);
		}
		if (newstate == ST_SYN_SENT)
			return 0; /* the ports are not chosen yet: ESTABLISHED or CLOSE reports the connection */
	} else if (oldstate == ST_LISTEN && newstate == ST_SYN_RECV) {
		/* A child socket of a listener, in softirq: named by the listener's owner until accept(). */
		struct listener_key lk = { .netns = netns, .port = sport };
		struct owner *lo = bpf_map_lookup_elem(&listeners, &lk);
		struct conn fresh = { .start_ns = now };
		if (lo) {
			fresh.owner = *lo;
			fresh.owner.flags = FLAG_OWNER_LISTENER;
		}
		bpf_map_update_elem(&conns, &cookie, &fresh, BPF_ANY);
		return 0;
	}

	struct tcp_sock *tp = (struct tcp_sock *)sk;
	c = bpf_map_lookup_elem(&conns, &cookie);
	if (newstate == ST_ESTABLISHED && c) {
		/* SYN (and an ack of it) are already counted here: the payload is what comes after. */
		c->acked0 = BPF_CORE_READ(tp, bytes_acked);
		c->received0 = BPF_CORE_READ(tp, bytes_received);
		c->baseline = 1;
	}

	struct tcp_record *r = reserve(sizeof(*r));
	if (!r)
		goto out;
	r->kind = RECORD_TCP;
	r->timestamp_ns = now;
	r->cookie = cookie;
	r->netns = netns;
	r->family = family;
	r->oldstate = oldstate;
	r->newstate = newstate;
	r->sport = sport;
	r->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	r->error = BPF_CORE_READ(sk, sk_err);
	r->bytes_sent = 0;
	r->bytes_received = 0;
	r->segs_out = 0;
	r->segs_in = 0;
	if (family == FAMILY_INET) {
		__builtin_memset(r->saddr, 0, sizeof(r->saddr));
		__builtin_memset(r->daddr, 0, sizeof(r->daddr));
		BPF_CORE_READ_INTO(&r->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO(&r->daddr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&r->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32);
		BPF_CORE_READ_INTO(&r->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr32);
	}
	if (c) {
		r->pid = c->owner.pid;
		r->tid = c->owner.tid;
		r->uid = c->owner.uid;
		r->flags = c->owner.flags;
		r->start_ns = c->start_ns;
		__builtin_memcpy(r->comm, c->owner.comm, COMM_LEN);
	} else {
		r->pid = 0;
		r->tid = 0;
		r->uid = 0;
		r->flags = 0;
		r->start_ns = 0;
		__builtin_memset(r->comm, 0, COMM_LEN);
	}
	if (newstate == ST_CLOSE) {
		__u64 acked = BPF_CORE_READ(tp, bytes_acked);
		__u64 received = BPF_CORE_READ(tp, bytes_received);
		if (c && c->baseline) {
			/* Our FIN counts once the peer acked it: it was sent (a closing state) and nothing is unacked. */
			int fin_sent = oldstate == ST_FIN_WAIT1 || oldstate == ST_FIN_WAIT2 || oldstate == ST_CLOSING ||
				       oldstate == ST_LAST_ACK || oldstate == ST_TIME_WAIT;
			__u32 snd_una = BPF_CORE_READ(tp, snd_una);
			__u32 write_seq = BPF_CORE_READ(tp, write_seq);
			__u64 fin_out = fin_sent && snd_una == write_seq ? 1 : 0;
			/* tcp_fin() marks the peer's FIN with SOCK_DONE; it advanced rcv_nxt (and bytes_received) by one. */
			__u64 fin_in = (BPF_CORE_READ(sk, __sk_common.skc_flags) >> SOCK_DONE) & 1;
			acked -= c->acked0;
			received -= c->received0;
			r->bytes_sent = acked >= fin_out ? acked - fin_out : 0;
			r->bytes_received = received >= fin_in ? received - fin_in : 0;
			r->flags |= FLAG_BYTES_KNOWN;
		}
		r->segs_out = BPF_CORE_READ(tp, data_segs_out);
		r->segs_in = BPF_CORE_READ(tp, data_segs_in);
	}
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);

out:
	if (newstate == ST_CLOSE) {
		bpf_map_delete_elem(&conns, &cookie);
		if (oldstate == ST_LISTEN) {
			struct listener_key lk = { .netns = netns, .port = sport };
			bpf_map_delete_elem(&listeners, &lk);
		}
	}
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_state, const struct sock *sk, int oldstate, int newstate)
{
	return handle_state((struct sock *)sk, oldstate, newstate, 0);
}

/* The second copy: runs where a softirq made the kernel skip the first (see handle_state). */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_state_second, const struct sock *sk, int oldstate, int newstate)
{
	return handle_state((struct sock *)sk, oldstate, newstate, 1);
}

/*
 * accept() and accept4() returning a socket: the accepting process becomes the owner. No tracepoint sees
 * the accepted socket itself, so it is found through the new descriptor: current->files->fdt->fd[ret].
 */
static __always_inline void on_accept(long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (unsigned long)ret >= BPF_CORE_READ(fdt, max_fds))
		return;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = 0;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[ret]);
	if (!file)
		return;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != PROTO_TCP)
		return;
	/* The child got its cookie at SYN_RECV (bpf_get_socket_cookie above); read it, it cannot change. */
	__u64 cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	struct conn *c = bpf_map_lookup_elem(&conns, &cookie);
	if (!c)
		return;
	current_owner(&c->owner);
	count(COUNTER_ACCEPTS);
}

/* ---- UDP flows ---- */

static __always_inline int names_peer(long nr)
{
	return nr == NR_SENDTO || nr == NR_RECVFROM || nr == NR_SENDMSG || nr == NR_RECVMSG || nr == NR_SENDMMSG ||
	       nr == NR_RECVMMSG;
}

/* The socket's own peer (a connected UDP socket); false when it has none. */
static __always_inline int socket_peer(struct sock *sk, struct udp_flow_key *key)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (!port)
		return 0;
	key->family = family;
	key->port = port;
	/* Exactly the address's bytes: the rest of the key stays zero, as user_peer leaves it. */
	if (family == FAMILY_INET) {
		__u32 addr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(key->addr, &addr, 4);
	} else {
		bpf_core_read(key->addr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	return 1;
}

/* A sockaddr in the caller's memory (sockaddr_in or sockaddr_in6); false when absent or of another family. */
static __always_inline int user_peer(const void *name, __u32 namelen, struct udp_flow_key *key)
{
	if (!name || namelen < 16)
		return 0;
	struct {
		__u16 family;
		__u16 port;
		__u32 flowinfo_or_addr4;
		__u8 addr6[16];
	} sa;
	__builtin_memset(&sa, 0, sizeof(sa));
	if (bpf_probe_read_user(&sa, namelen >= 24 ? 24 : 8, name) != 0)
		return 0;
	if (sa.family == FAMILY_INET) {
		key->family = FAMILY_INET;
		key->port = bpf_ntohs(sa.port);
		__builtin_memcpy(key->addr, &sa.flowinfo_or_addr4, 4);
		return 1;
	}
	if (sa.family == FAMILY_INET6 && namelen >= 24) {
		key->family = FAMILY_INET6;
		key->port = bpf_ntohs(sa.port);
		__builtin_memcpy(key->addr, sa.addr6, 16);
		return 1;
	}
	return 0;
}

/* One or more datagrams of one flow, each way: counted; the first of a new flow also reports it (an open record). */
static __always_inline void flow_add(struct sock *sk, struct udp_flow_key *key, int received, __u64 bytes, __u64 now)
{
	struct udp_flow *f = bpf_map_lookup_elem(&udp_flows, key);
	if (!f) {
		struct udp_flow fresh = { .start_ns = now, .last_ns = now };
		if (received) {
			fresh.bytes_in = bytes;
			fresh.packets_in = 1;
		} else {
			fresh.bytes_out = bytes;
			fresh.packets_out = 1;
		}
		if (bpf_map_update_elem(&udp_flows, key, &fresh, BPF_NOEXIST) == 0)
			goto opened;
		/* Another CPU opened it at the same instant. */
		f = bpf_map_lookup_elem(&udp_flows, key);
		if (!f)
			return;
	}
	if (received) {
		__sync_fetch_and_add(&f->bytes_in, bytes);
		__sync_fetch_and_add(&f->packets_in, 1);
	} else {
		__sync_fetch_and_add(&f->bytes_out, bytes);
		__sync_fetch_and_add(&f->packets_out, 1);
	}
	f->last_ns = now;
	return;

opened:
	count(COUNTER_UDP_FLOWS);
	__u8 one = 1;
	bpf_map_update_elem(&udp_sockets, &key->cookie, &one, BPF_ANY);
	struct udp_open_record *r = reserve(sizeof(*r));
	if (!r)
		return;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	r->kind = RECORD_UDP_OPEN;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->uid = (__u32)bpf_get_current_uid_gid();
	r->timestamp_ns = now;
	r->cookie = key->cookie;
	r->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	r->flags = FLAG_OWNER_KNOWN | (received ? FLAG_UDP_RECEIVED_FIRST : 0);
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	r->family = family;
	r->remote_family = key->family;
	r->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	r->dport = key->port;
	__builtin_memset(r->saddr, 0, sizeof(r->saddr));
	if (family == FAMILY_INET) {
		__u32 addr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(r->saddr, &addr, 4);
	} else {
		bpf_core_read(r->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	}
	__builtin_memcpy(r->daddr, key->addr, 16);
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}

/*
 * Every datagram passes the socket layer here (sock_sendmsg/sock_recvmsg, whatever the call: send, write, sendmmsg,
 * io_uring), in the sending or receiving task, with the payload length. The calls that name the peer are finished at
 * their exit (on_sys_exit: the kernel has written a receive's source address by then); the others count here for
 * the socket's own peer (a connected socket).
 */
static __always_inline int handle_udp_length(struct sock *sk, int ret, int flags, int received)
{
	if (ret < 0 || BPF_CORE_READ(sk, sk_protocol) != PROTO_UDP)
		return 0;
	if (received && (flags & (MSG_PEEK_FLAG | MSG_ERRQUEUE_FLAG)))
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != FAMILY_INET && family != FAMILY_INET6)
		return 0;
	/* Made here if nobody asked before (sock_diag, another program): the same value sock_diag reports. */
	__u64 cookie = bpf_get_socket_cookie(sk);
	struct task_struct *task = bpf_get_current_task_btf();
	if (!(BPF_CORE_READ(task, flags) & (TASK_KTHREAD | TASK_IO_WORKER))) {
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
		long nr = BPF_CORE_READ(regs, orig_ax);
		if (names_peer(nr)) {
			__u32 tid = (__u32)bpf_get_current_pid_tgid();
			struct udp_pending p = { .sk = (__u64)sk, .cookie = cookie, .nr = nr, .fd = BPF_CORE_READ(regs, di) };
			bpf_map_update_elem(&udp_pending, &tid, &p, BPF_ANY);
			return 0;
		}
	}
	struct udp_flow_key key = { .cookie = cookie };
	if (!socket_peer(sk, &key)) {
		count(COUNTER_UDP_UNATTRIBUTED);
		return 0;
	}
	flow_add(sk, &key, received, (__u64)ret, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_send_length, struct sock *sk, int ret, int flags)
{
	return handle_udp_length(sk, ret, flags, 0);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_recv_length, struct sock *sk, int ret, int flags)
{
	return handle_udp_length(sk, ret, flags, 1);
}

/* struct user_msghdr's first fields, struct mmsghdr's length (x86-64). */
struct user_msg_head {
	void *name;
	__u32 namelen;
};
#define MMSGHDR_SIZE 64
#define MMSGHDR_LEN_OFFSET 56

/* A UDP call that names the peer, returning: the datagram(s) it moved, with the address the caller gave or got. */
static __always_inline void on_udp_exit(struct pt_regs *regs, long nr, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct udp_pending *pending = bpf_map_lookup_elem(&udp_pending, &tid);
	if (!pending)
		return;
	struct sock *sk = (struct sock *)pending->sk;
	__u64 cookie = pending->cookie;
	int same = pending->nr == (__u64)nr && pending->fd == BPF_CORE_READ(regs, di);
	bpf_map_delete_elem(&udp_pending, &tid);
	if (ret < 0 || !same)
		return;
	__u64 now = bpf_ktime_get_ns();
	int received = nr == NR_RECVFROM || nr == NR_RECVMSG || nr == NR_RECVMMSG;
	struct udp_flow_key key = { .cookie = cookie };

	if (nr == NR_SENDTO || nr == NR_RECVFROM) {
		const void *name = (const void *)BPF_CORE_READ(regs, r8);
		__u32 namelen = (__u32)BPF_CORE_READ(regs, r9);
		if (nr == NR_RECVFROM && name) {
			/* the kernel wrote the address's length back */
			namelen = 0;
			bpf_probe_read_user(&namelen, sizeof(namelen), (const void *)BPF_CORE_READ(regs, r9));
		}
		if (!user_peer(name, namelen, &key) && !socket_peer(sk, &key)) {
			count(COUNTER_UDP_UNATTRIBUTED);
			return;
		}
		flow_add(sk, &key, received, (__u64)ret, now);
		return;
	}
	if (nr == NR_SENDMSG || nr == NR_RECVMSG) {
		struct user_msg_head head = {};
		bpf_probe_read_user(&head, sizeof(head), (const void *)BPF_CORE_READ(regs, si));
		if (!user_peer(head.name, head.namelen, &key) && !socket_peer(sk, &key)) {
			count(COUNTER_UDP_UNATTRIBUTED);
			return;
		}
		flow_add(sk, &key, received, (__u64)ret, now);
		return;
	}
	/* sendmmsg/recvmmsg: ret datagrams, each with its own header, address and length. */
	const __u8 *vec = (const __u8 *)BPF_CORE_READ(regs, si);
	struct udp_flow_key peer = { .cookie = cookie };
	int connected = socket_peer(sk, &peer);
	for (int i = 0; i < UDP_MMSG_MAX; i++) {
		if (i >= ret)
			return;
		const __u8 *m = vec + i * MMSGHDR_SIZE;
		struct user_msg_head head = {};
		__u32 len = 0;
		bpf_probe_read_user(&head, sizeof(head), m);
		bpf_probe_read_user(&len, sizeof(len), m + MMSGHDR_LEN_OFFSET);
		struct udp_flow_key k = { .cookie = cookie };
		if (!user_peer(head.name, head.namelen, &k)) {
			if (!connected) {
				count(COUNTER_UDP_UNATTRIBUTED);
				continue;
			}
			k = peer;
		}
		flow_add(sk, &k, received, len, now);
	}
	if (ret > UDP_MMSG_MAX) {
		__u32 slot = COUNTER_UDP_MMSG_BEYOND;
		__u64 *value = bpf_map_lookup_elem(&counters, &slot);
		if (value)
			__sync_fetch_and_add(value, ret - UDP_MMSG_MAX);
	}
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (nr == NR_ACCEPT || nr == NR_ACCEPT4) {
		if (ret >= 0)
			on_accept(ret);
	} else if (names_peer(nr)) {
		on_udp_exit(regs, nr, ret);
	}
	return 0;
}

/*
 * The release of an inet socket (close of its last descriptor, or its process's exit): a UDP socket that had flows
 * ends them. A cgroup program (attached to the cgroup v2 root: every process below it), because no tracepoint marks
 * a UDP socket's end.
 */
SEC("cgroup/sock_release")
int on_sock_release(struct bpf_sock *ctx)
{
	if (ctx->protocol != PROTO_UDP)
		return 1;
	__u64 cookie = bpf_get_socket_cookie(ctx);
	if (bpf_map_delete_elem(&udp_sockets, &cookie) != 0)
		return 1;
	count(COUNTER_UDP_RELEASES);
	struct udp_release_record *r = reserve(sizeof(*r));
	if (!r)
		return 1;
	r->kind = RECORD_UDP_RELEASE;
	r->pad = 0;
	r->timestamp_ns = bpf_ktime_get_ns();
	r->cookie = cookie;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 1;
}

/* A process forked (threads are skipped): a child that connects and exits before /proc is read keeps its parent's arguments. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 pid = BPF_CORE_READ(child, pid);
	__u32 tgid = BPF_CORE_READ(child, tgid);
	if (pid != tgid)
		return 0;
	struct fork_record *r = reserve(sizeof(*r));
	if (!r)
		return 0;
	r->kind = RECORD_FORK;
	r->pid = tgid;
	r->ppid = BPF_CORE_READ(parent, tgid);
	r->pad = 0;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

/* Every exec: the argument vector while it is certainly there (the new image's stack, just written). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct exec_record *r = reserve(sizeof(*r));
	if (!r)
		return 0;
	r->kind = RECORD_EXEC;
	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->uid = (__u32)bpf_get_current_uid_gid();
	r->ppid = BPF_CORE_READ(p, real_parent, tgid);
	r->flags = 0;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	unsigned long start = BPF_CORE_READ(p, mm, arg_start);
	unsigned long end = BPF_CORE_READ(p, mm, arg_end);
	unsigned long len = end > start ? end - start : 0;
	if (len > ARGS_MAX - 1) {
		len = ARGS_MAX - 1;
		r->flags = FLAG_ARGS_TRUNCATED;
	}
	r->args_len = 0;
	if (len > 0 && bpf_probe_read_user(r->args, len & (ARGS_MAX - 1), (const void *)start) == 0)
		r->args_len = len;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}
