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

/* x86-64 syscall numbers of accept and accept4 (the object is built for x86-64 only). */
#define NR_ACCEPT 43
#define NR_ACCEPT4 288

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
SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	if (ret < 0)
		return 0;
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (nr != NR_ACCEPT && nr != NR_ACCEPT4)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (unsigned long)ret >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = 0;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[ret]);
	if (!file)
		return 0;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return 0;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != PROTO_TCP)
		return 0;
	/* The child got its cookie at SYN_RECV (bpf_get_socket_cookie above); read it, it cannot change. */
	__u64 cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	struct conn *c = bpf_map_lookup_elem(&conns, &cookie);
	if (!c)
		return 0;
	current_owner(&c->owner);
	count(COUNTER_ACCEPTS);
	return 0;
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
