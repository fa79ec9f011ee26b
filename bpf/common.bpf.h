/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Filter maps, counters and packet/socket helpers shared by every probe. Each object
 * declares the filter maps, but the agent creates them once and hands the same maps to
 * every probe (MapReplacements), so one stdin command re-filters all probes at once.
 */
#ifndef PL_COMMON_BPF_H
#define PL_COMMON_BPF_H

#include "kernel.bpf.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include "pathlight.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_config);
} pl_config_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PL_MAX_FILTER);
	__type(key, __u32);
	__type(value, __u8);
} pl_filter_netns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PL_MAX_FILTER);
	__type(key, __u16);
	__type(value, __u8);
} pl_filter_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_MAX_FILTER);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_addr_key);
	__type(value, __u8);
} pl_filter_addr SEC(".maps");

/*
 * Process attribution (probe proc). Sockets map to the process behind them: a TCP socket
 * to the task that connected it (CLOSE -> SYN_SENT runs inside connect()), a listening
 * port (netns, port) to the task that called listen(). The proc probe fills and empties both
 * maps; the other probes read them for their events and, without the proc probe, find them
 * empty. Both are shared by every probe (MapReplacements) and allocated per entry, so an
 * empty map costs nothing.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PL_MAX_SOCKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct pl_proc);
} pl_sock_owner SEC(".maps");

struct pl_listen_key {
	__u32 netns;
	__u32 port;
};

struct pl_listener {
	__u64 sk; /* the listening socket, so that only its own close forgets it */
	struct pl_proc proc;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PL_MAX_FILTER * 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_listen_key);
	__type(value, struct pl_listener);
} pl_listen_owner SEC(".maps");

/* Cgroup id -> its name and its parent's name, read by the agent to name the container and
 * the pod (the container runtime's naming: cri-containerd-<id>.scope in
 * kubepods-…-pod<uid>.slice, or <id> in pod<uid> with the cgroupfs driver). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct pl_cgroup_name);
} pl_cgroup_names SEC(".maps");

/* A scratch value per CPU: struct pl_cgroup_name is too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_cgroup_name);
} pl_cgroup_scratch SEC(".maps");

/* Copy the process behind `sk` into `out` (left zero when not known). */
static __always_inline void pl_owner(const void *sk, struct pl_proc *out)
{
	if (!sk)
		return;
	__u64 key = (__u64)sk;
	struct pl_proc *p = bpf_map_lookup_elem(&pl_sock_owner, &key);
	if (p)
		__builtin_memcpy(out, p, sizeof(*out));
}

/* Copy the process listening on (netns, port) into `out` (left zero when not known). */
static __always_inline void pl_listener(__u32 netns, __u16 port, struct pl_proc *out)
{
	struct pl_listen_key k = { .netns = netns, .port = port };
	struct pl_listener *l = bpf_map_lookup_elem(&pl_listen_owner, &k);
	if (l)
		__builtin_memcpy(out, &l->proc, sizeof(*out));
}

static __always_inline void pl_name_cgroup(__u64 id)
{
	if (bpf_map_lookup_elem(&pl_cgroup_names, &id))
		return;
	__u32 zero = 0;
	struct pl_cgroup_name *n = bpf_map_lookup_elem(&pl_cgroup_scratch, &zero);
	if (!n)
		return;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct cgroup *cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	if (!cg)
		return;
	n->leaf[0] = 0;
	n->parent[0] = 0;
	bpf_probe_read_kernel_str(n->leaf, sizeof(n->leaf), BPF_CORE_READ(cg, kn, name));
	struct cgroup *parent = (struct cgroup *)BPF_CORE_READ(cg, self.parent);
	if (parent)
		bpf_probe_read_kernel_str(n->parent, sizeof(n->parent), BPF_CORE_READ(parent, kn, name));
	bpf_map_update_elem(&pl_cgroup_names, &id, n, BPF_ANY);
}

/* The current task as a pl_proc; its cgroup is named (once) before the caller publishes it,
 * so the agent finds the name when it reads the event. */
static __always_inline void pl_current(struct pl_proc *p)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	p->pid = pid_tgid >> 32;
	p->tid = (__u32)pid_tgid;
	p->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(p->comm, sizeof(p->comm));
	pl_name_cgroup(p->cgroup_id);
}

/* The network namespace of the current task. */
static __always_inline __u32 pl_current_netns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
}

/* Per-probe (not shared): events emitted and events lost to a full ring buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} pl_counters SEC(".maps");

static __always_inline void pl_count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&pl_counters, &idx);
	if (v)
		*v += 1; /* per-CPU slot: no atomic needed */
}

/*
 * When to wake the reader. A wakeup per event (the ring buffer's default when the reader has
 * caught up) costs an irq_work, which in a VM is a VM exit of several microseconds: it
 * multiplied the drop program's cost by ~20 in bench/probe. So a program wakes the reader
 * only when 64 KiB are waiting, or when this probe has not woken it for PL_WAKEUP_NS: the
 * first event after a quiet spell arrives at once, and a flood costs one wakeup per 64 KiB.
 * Between wakeups the agent, once woken, reads with a deadline of the same length
 * (pollInterval in native/internal/agent/output.go), so nothing waits longer than that; when
 * nothing arrives it blocks until the next wakeup instead of polling (an idle agent polling
 * every 20 ms cost ~25 ms of CPU per second, taken from the traffic it watches).
 */
#define PL_WAKEUP_BYTES (64 * 1024)
#define PL_WAKEUP_NS (100 * 1000 * 1000ULL)

/* Per object, so per probe and ring buffer: the time (bpf_ktime_get_ns) of the last wakeup.
 * Racing CPUs may both wake the reader once; nothing worse. */
static volatile __u64 pl_last_wakeup;

static __always_inline __u64 pl_wakeup_flags(void *rb, __u64 now)
{
	if (bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) >= PL_WAKEUP_BYTES || now - pl_last_wakeup >= PL_WAKEUP_NS) {
		pl_last_wakeup = now;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

/* Copy an event out and count it as sent or lost (ring buffer full: the reader is behind). */
static __always_inline int pl_output(void *rb, void *ev, __u64 size, __u64 now)
{
	pl_count(bpf_ringbuf_output(rb, ev, size, pl_wakeup_flags(rb, now)) ? PL_CNT_LOST : PL_CNT_EVENTS);
	return 0;
}

static __always_inline struct pl_config *pl_cfg(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&pl_config_map, &zero);
}

static __always_inline bool pl_addr_in(const __u8 *addr)
{
	struct pl_addr_key k = { .prefixlen = 128 };
	__builtin_memcpy(k.addr, addr, 16);
	return bpf_map_lookup_elem(&pl_filter_addr, &k) != NULL;
}

static __always_inline bool pl_port_in(__u16 port)
{
	return bpf_map_lookup_elem(&pl_filter_port, &port) != NULL;
}

/* An event is kept when every enabled filter matches; address and port filters match
 * either end, so a flow is seen in both directions. */
static __always_inline bool pl_match(const struct pl_config *cfg, __u32 netns, const struct pl_tuple *t)
{
	if (!cfg)
		return true;
	__u32 f = cfg->flags;
	if ((f & PL_F_NETNS) && !bpf_map_lookup_elem(&pl_filter_netns, &netns))
		return false;
	if (f & PL_F_PROTO) {
		__u8 p = t->proto;
		if (!(cfg->proto_bits[(p >> 6) & 3] & (1ULL << (p & 63))))
			return false;
	}
	if ((f & PL_F_PORT) && !pl_port_in(t->sport) && !pl_port_in(t->dport))
		return false;
	if ((f & PL_F_ADDR) && !pl_addr_in(t->saddr) && !pl_addr_in(t->daddr))
		return false;
	return true;
}

static __always_inline void pl_v4mapped(__u8 *dst, __be32 a)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &a, 4);
}

static __always_inline __u32 pl_net_inum(struct net *net)
{
	return BPF_CORE_READ(net, ns.inum);
}

/*
 * Fill the tuple from the IP header at `l3`. Returns false for anything that is not
 * IPv4/IPv6. Transport ports are read for TCP, UDP and SCTP (same first 4 bytes);
 * IPv6 extension headers are not walked (the protocol is then the first next-header).
 */
static __always_inline bool pl_parse_l3(const unsigned char *l3, __be16 ethertype, struct pl_tuple *t,
					const unsigned char **l4)
{
	if (ethertype == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;
		if (bpf_probe_read_kernel(&ip, sizeof(ip), l3))
			return false;
		if ((ip.ihl_version >> 4) != 4)
			return false;
		t->family = 4;
		t->proto = ip.protocol;
		pl_v4mapped(t->saddr, ip.saddr);
		pl_v4mapped(t->daddr, ip.daddr);
		/* Only the first fragment carries ports. */
		if (ip.frag_off & bpf_htons(0x1fff))
			return true;
		*l4 = l3 + ((ip.ihl_version & 0x0f) * 4);
	} else if (ethertype == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), l3))
			return false;
		t->family = 6;
		t->proto = ip6.nexthdr;
		__builtin_memcpy(t->saddr, ip6.saddr, 16);
		__builtin_memcpy(t->daddr, ip6.daddr, 16);
		*l4 = l3 + sizeof(struct ipv6hdr);
	} else {
		return false;
	}
	if (t->proto == IPPROTO_TCP || t->proto == IPPROTO_UDP || t->proto == IPPROTO_SCTP) {
		struct ports p;
		if (!bpf_probe_read_kernel(&p, sizeof(p), *l4)) {
			t->sport = bpf_ntohs(p.source);
			t->dport = bpf_ntohs(p.dest);
		}
	}
	return true;
}

/* Tuple of a socket, from its own point of view (saddr = local). Works for full, request
 * and timewait sockets: all three start with struct sock_common. */
static __always_inline bool pl_sock_tuple(const struct sock *sk, struct pl_tuple *t)
{
	unsigned short fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (fam == AF_INET) {
		t->family = 4;
		pl_v4mapped(t->saddr, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
		pl_v4mapped(t->daddr, BPF_CORE_READ(sk, __sk_common.skc_daddr));
	} else if (fam == AF_INET6) {
		t->family = 6;
		BPF_CORE_READ_INTO(&t->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&t->daddr, sk, __sk_common.skc_v6_daddr);
	} else {
		return false;
	}
	t->proto = IPPROTO_TCP;
	t->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	/* Moving to CLOSE releases the local port (inet_put_port clears inet_num) before the
	 * state-change tracepoint fires, so failed connects and aborts would report port 0;
	 * inet_sport still holds it. */
	if (!t->sport && BPF_CORE_READ(sk, __sk_common.skc_state) != TCP_NEW_SYN_RECV)
		t->sport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	t->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	return true;
}

#endif
