/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Types shared between the eBPF programs and the Go agent. The agent's Go mirrors are
 * generated from the compiled BTF by bpf2go (-type ...), never hand-copied, so any change
 * here reaches Go at the next `native/build.sh`. Plain C only: no kernel types.
 */
#ifndef PATHLIGHT_H
#define PATHLIGHT_H

#define PL_DNS_PAYLOAD 512 /* classic UDP DNS limit; EDNS tails are cut and marked */
#define PL_MAX_FILTER 256  /* entries per filter map (netns, ports, CIDRs) */

/* Addresses are always 16 bytes; IPv4 is stored v4-mapped (::ffff:a.b.c.d) so one LPM
 * trie serves both families. Ports are host byte order. */
struct pl_tuple {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 family; /* 4 or 6 */
	__u8 proto;  /* IPPROTO_* */
	__u16 _pad;
};

#define PL_COMM 16          /* TASK_COMM_LEN */
#define PL_CGROUP_NAME 128  /* a cgroup's directory name, e.g. cri-containerd-<64 hex>.scope */
#define PL_MAX_SOCKS 65536  /* sockets whose process is remembered (probe proc) */

/* The process behind a socket: the one that connected it, accepted it or last sent a UDP
 * datagram on it (probe proc). pid 0: not known. pid is the thread group id as the node
 * sees it (the initial pid namespace), not the id inside a container. */
struct pl_proc {
	__u32 pid;
	__u32 tid;
	__u64 cgroup_id; /* cgroup v2 id: the inode of the cgroup's directory */
	char comm[PL_COMM];
};

/* Names of a cgroup and of its parent, read in the kernel: what a container runtime puts
 * there (the container id, the pod's uid) is visible whatever the agent's cgroup namespace. */
struct pl_cgroup_name {
	char leaf[PL_CGROUP_NAME];
	char parent[PL_CGROUP_NAME];
};

struct pl_drop_event {
	__u64 ts_ns; /* CLOCK_MONOTONIC; the agent converts to wall clock */
	__u64 location;
	__u32 netns;
	__u32 ifindex;
	__u32 reason;
	__u32 has_reason; /* 0 on kernels whose kfree_skb has no reason argument (< 5.17) */
	struct pl_tuple t;
	struct pl_proc proc; /* the owner of the packet's socket, when it has one and it is known */
};

enum pl_tcp_kind {
	PL_TCP_ESTABLISHED = 1,
	PL_TCP_REFUSED = 2,
	PL_TCP_TIMEOUT = 3,
	PL_TCP_RESET_RECEIVED = 4,
	PL_TCP_RESET_SENT = 5,
	PL_TCP_RETRANSMIT = 6,
	PL_TCP_UNREACHABLE = 7,
};

struct pl_tcp_event {
	__u64 ts_ns;
	__u32 netns;
	__u32 kind;  /* enum pl_tcp_kind */
	__s32 err;   /* sk_err for failed connects (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH...) */
	__u16 state; /* TCP state when the event fired */
	__u16 server; /* 1: the passive (accepting) side of an established connection */
	struct pl_tuple t;
	struct pl_proc proc;
};

enum pl_dns_dir {
	PL_DIR_EGRESS = 1,
	PL_DIR_INGRESS = 2,
};

struct pl_dns_event {
	__u64 ts_ns;
	__u32 netns;
	__u32 ifindex;
	__u16 dir;      /* enum pl_dns_dir */
	__u16 len;      /* payload bytes copied */
	__u16 full_len; /* UDP payload length on the wire */
	__u16 _pad;
	struct pl_tuple t;
	struct pl_proc proc; /* the sender, for a datagram leaving a local socket */
	__u8 payload[PL_DNS_PAYLOAD];
};

#define PL_HTTP_PAYLOAD 256 /* the first bytes of a TCP segment's payload the http probe copies */

enum pl_http_flag {
	PL_HTTP_START = 1, /* the payload starts like an HTTP/1.x request or response */
	PL_HTTP_CONT = 2,  /* a segment after a start on the same socket and direction (headers split) */
	PL_HTTP_TLS = 4,   /* a TLS ClientHello, the socket's first payload that way: encrypted from here on (nothing copied) */
};

struct pl_http_event {
	__u64 ts_ns;
	__u64 cookie;   /* the local socket's cookie: the agent's per-connection key */
	__u32 netns;
	__u32 seq;      /* the segment's TCP sequence number (a retransmission repeats it) */
	__u32 full_len; /* TCP payload bytes in the segment (a GSO segment may hold many packets' worth) */
	__u16 dir;      /* enum pl_dns_dir: egress (sent by the local socket) or ingress */
	__u16 len;      /* payload bytes copied */
	__u16 flags;    /* enum pl_http_flag */
	__u16 _pad[3];
	struct pl_tuple t; /* as the packet goes: src sent it */
	struct pl_proc proc;
	__u8 payload[PL_HTTP_PAYLOAD];
};

/* Filter switches in struct pl_config.flags. A filter whose bit is clear matches all. */
enum pl_config_flag {
	PL_F_NETNS = 1 << 0,
	PL_F_ADDR = 1 << 1,
	PL_F_PORT = 1 << 2,
	PL_F_PROTO = 1 << 3,
	PL_F_DROP_NOT_SPECIFIED = 1 << 4, /* report NOT_SPECIFIED drops (noisy) */
	PL_F_PROC = 1 << 5, /* the proc probe is on: the dns probe names a query's sender */
};

struct pl_config {
	__u32 flags;
	/* Reason codes resolved from the running kernel's BTF at start (their numbers moved
	 * in 6.0/6.2, see docs/architecture.md §3); ~0 when the kernel has no such enumerator. */
	__u32 reason_not_dropped_yet;
	__u32 reason_consumed;
	__u32 reason_not_specified;
	__u64 proto_bits[4]; /* bit n set: IP protocol n selected */
};

struct pl_addr_key {
	__u32 prefixlen; /* LPM trie key layout: prefix length first, then big-endian data */
	__u8 addr[16];
};

/* Per-probe counters (per-CPU array indices). */
enum pl_counter {
	PL_CNT_EVENTS = 0,
	PL_CNT_LOST = 1, /* ring buffer full: the reader is behind */
	PL_CNT_MAX = 2,
};

#endif
