// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * http: the first bytes of TCP segments that start an HTTP/1.x request or response, as a
 * local socket sends them (cgroup_skb/egress) or receives them (cgroup_skb/ingress), on the
 * root cgroup v2 so every socket of the node is covered, pods' included. Parsing, matching a
 * response to its request and the latency are left to the agent (decode_http.go).
 *
 * Why cgroup_skb and not the dns probe's tp_btf/net_dev_queue + netif_receive_skb: a TCP
 * segment's payload usually sits in page fragments (the socket copies it there on a device
 * with scatter-gather, veth included), which a tracing program cannot read with a plain copy;
 * bpf_skb_load_bytes here reads across fragments. The hook also runs for local sockets only,
 * not for every forwarded packet, and once per GSO segment, not once per wire packet.
 *
 * Cost: one read of the headers and the payload's first 4 bytes per segment (two when the
 * headers are not the usual size), compared with the methods' and "HTTP"'s first letters;
 * a segment that does not start a message is left there, unless a head split over segments
 * is pending somewhere (then one hash lookup). A socket that carried no HTTP in the first
 * PL_HTTP_PLAIN payload segments of one direction (a bulk transfer, TLS, a database) costs
 * one socket-storage lookup per segment of that direction instead (pl_http_socks). Filters, the process, the copy and the search
 * for the head's end run only for HTTP heads and their continuations. Returns 1 (allow)
 * always: the probe never changes what the socket sends or receives.
 */
#include "common.bpf.h"

/* UAPI (include/uapi/linux/bpf.h), stable: the prefix of struct __sk_buff this program
 * reads, up to sk; kernel.bpf.h declares no UAPI context types. */
struct bpf_sock;
struct __sk_buff {
	__u32 len;
	__u32 pkt_type;
	__u32 mark;
	__u32 queue_mapping;
	__u32 protocol;
	__u32 vlan_present;
	__u32 vlan_tci;
	__u32 vlan_proto;
	__u32 priority;
	__u32 ingress_ifindex;
	__u32 ifindex;
	__u32 tc_index;
	__u32 cb[5];
	__u32 hash;
	__u32 tc_classid;
	__u32 data;
	__u32 data_end;
	__u32 napi_id;
	__u32 family;
	__u32 remote_ip4;
	__u32 local_ip4;
	__u32 remote_ip6[4];
	__u32 local_ip6[4];
	__u32 remote_port;
	__u32 local_port;
	__u32 data_meta;
	union {
		void *flow_keys;
		__u64 : 64;
	} __attribute__((aligned(8)));
	__u64 tstamp;
	__u32 wire_len;
	__u32 gso_segs;
	union {
		struct bpf_sock *sk;
		__u64 : 64;
	} __attribute__((aligned(8)));
};


struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} pl_http_rb SEC(".maps");

/* Socket + direction whose last HTTP head did not end in the bytes copied (a request line
 * and its headers written in two pieces): segments left to copy. LRU: a connection that
 * closes mid-head is forgotten by pressure, never leaks. */
#define PL_HTTP_CONT_SEGMENTS 2
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u32);
} pl_http_cont SEC(".maps");

/* What a socket's segments looked like: payload segments per direction (egress, ingress)
 * that did not start an HTTP message, up to PL_HTTP_PLAIN, and whether any segment in either
 * direction did. A direction with PL_HTTP_PLAIN such segments on a socket that never
 * carried HTTP is left at once. HTTP/1.x sends a request before each response, so on a
 * keep-alive connection first seen in the middle of a long body (the direction that looked
 * plain), the next request marks the socket before its response comes. The kernel frees the
 * entry with its socket. */
#define PL_HTTP_PLAIN 8
struct pl_http_sock {
	__u16 plain[2];
	__u8 http;
	__u8 _pad[3];
};
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pl_http_sock);
} pl_http_socks SEC(".maps");

/* Entries of pl_http_cont this program put there and has not removed: while 0, a segment
 * that does not start an HTTP message is left at once, without a map lookup. (One evicted
 * by the LRU stays counted: the lookups resume, nothing is missed.) */
static volatile __u32 pl_http_split;

const struct pl_http_event *unused_http_event __attribute__((unused));
const enum pl_http_flag *unused_http_flag __attribute__((unused));

/* The first four payload bytes as a little-endian word. */
#define W(a, b, c, d) ((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)

static __always_inline bool http_start(__u32 w)
{
	switch (w) {
	case W('G', 'E', 'T', ' '):
	case W('P', 'O', 'S', 'T'):
	case W('P', 'U', 'T', ' '):
	case W('H', 'E', 'A', 'D'):
	case W('D', 'E', 'L', 'E'):
	case W('P', 'A', 'T', 'C'):
	case W('O', 'P', 'T', 'I'):
	case W('H', 'T', 'T', 'P'):
		return true;
	}
	return false;
}

/* Whether the payload starts a TLS ClientHello: a handshake record (0x16) of version 3.x
 * (SSL 3.0 … TLS 1.3 all say 3.1–3.4 there), handshake type 1 at byte 5. */
static __always_inline bool tls_hello(struct __sk_buff *skb, __u32 off, __u32 w)
{
	if ((w & 0xffff) != 0x0316 || ((w >> 16) & 0xff) > 4)
		return false;
	__u8 type = 0;
	return !bpf_skb_load_bytes(skb, off + 5, &type, 1) && type == 1;
}

/* Whether an HTTP head ends ("\r\n\r\n") within the first n bytes copied. */
static __always_inline bool head_ends(const __u8 *p, __u64 n)
{
	for (__u32 i = 0; i + 3 < PL_HTTP_PAYLOAD; i++) {
		if (i + 3 >= n)
			return false;
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
			return true;
	}
	return false;
}

static __always_inline int handle(struct __sk_buff *skb, __u16 dir)
{
	/* A sock_common here (its protocol needs bpf_sk_fullsock): the IP header says TCP. */
	struct bpf_sock *bsk = skb->sk;
	if (!bsk)
		return 1;
	__u32 di = dir == PL_DIR_EGRESS ? 0 : 1;
	struct pl_http_sock *st = bpf_sk_storage_get(&pl_http_socks, bsk, 0, 0);
	if (st && !st->http && st->plain[di & 1] >= PL_HTTP_PLAIN)
		return 1;
	__u32 len = skb->len;
	/* One read, in the common case, of the IP header, the TCP header with the timestamp
	 * option every Linux peer sends (32 bytes), and the payload's first 4 bytes: option-less
	 * IPv4 (20 + 32 + 4) or IPv6 (40 + 32 + 4). data is the IP header. */
	__u8 h[sizeof(struct ipv6hdr) + 32 + 4];
	__u32 l4, hl, w;
	struct pl_tuple t = {};
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		l4 = 20;
		hl = 20 + 32 + 4;
		if (len <= 40)
			return 1; /* no room for a payload behind the two headers */
		if (len >= hl ? bpf_skb_load_bytes(skb, 0, h, 20 + 32 + 4) : bpf_skb_load_bytes(skb, 0, h, 40))
			return 1;
		if (h[9] != IPPROTO_TCP)
			return 1;
		if ((h[0] & 0x0f) != 5) { /* IP options: read the TCP header where it is */
			l4 = (h[0] & 0x0f) * 4;
			hl = 0;
			if (bpf_skb_load_bytes(skb, l4, h + 20, 20))
				return 1;
		}
		t.family = 4;
		__be32 a;
		__builtin_memcpy(&a, h + 12, 4);
		pl_v4mapped(t.saddr, a);
		__builtin_memcpy(&a, h + 16, 4);
		pl_v4mapped(t.daddr, a);
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		l4 = 40;
		hl = 40 + 32 + 4;
		if (len <= 60)
			return 1;
		if (len >= hl ? bpf_skb_load_bytes(skb, 0, h, 40 + 32 + 4) : bpf_skb_load_bytes(skb, 0, h, 60))
			return 1;
		if (h[6] != IPPROTO_TCP) /* extension headers are not walked */
			return 1;
		t.family = 6;
		__builtin_memcpy(t.saddr, h + 8, 16);
		__builtin_memcpy(t.daddr, h + 24, 16);
	} else {
		return 1;
	}
	const __u8 *th = t.family == 4 ? h + 20 : h + 40;
	__u32 off = l4 + (th[12] >> 4) * 4;
	if (len <= off)
		return 1; /* no payload: an ACK, SYN or FIN */
	if (len >= hl && off + 4 == hl)
		__builtin_memcpy(&w, t.family == 4 ? h + 20 + 32 : h + 40 + 32, 4);
	else if (bpf_skb_load_bytes(skb, off, &w, 4))
		return 1;
	__u16 flags = PL_HTTP_START;
	__u64 cookie;
	if (!st)
		st = bpf_sk_storage_get(&pl_http_socks, bsk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!http_start(w) && st && !st->http && st->plain[di & 1] == 0 && tls_hello(skb, off, w)) {
		/* A TLS connection: reported once per socket that sees its ClientHello (the
		 * client's on egress, the server's on ingress), then left like any other plain
		 * socket. */
		st->plain[di & 1] = 1;
		flags = PL_HTTP_TLS;
		cookie = bpf_get_socket_cookie(skb);
	} else if (!http_start(w)) {
		if (st && st->plain[di & 1] < PL_HTTP_PLAIN)
			st->plain[di & 1] += 1;
		if (!pl_http_split)
			return 1;
		/* The socket's cookie, unique for the node's uptime (an address is reused), with
		 * the direction in the low bit. */
		cookie = bpf_get_socket_cookie(skb);
		__u64 ck = cookie << 1 | (dir == PL_DIR_EGRESS);
		__u32 *left = bpf_map_lookup_elem(&pl_http_cont, &ck);
		if (!left)
			return 1;
		if (*left <= 1) {
			if (!bpf_map_delete_elem(&pl_http_cont, &ck))
				__sync_fetch_and_add(&pl_http_split, -1);
		} else {
			*left -= 1;
		}
		flags = PL_HTTP_CONT;
	} else {
		if (st)
			st->http = 1;
		cookie = bpf_get_socket_cookie(skb);
	}

	/* Rare from here on: an HTTP message's first segment, or its continuation. */
	t.proto = IPPROTO_TCP;
	t.sport = (th[0] << 8) | th[1];
	t.dport = (th[2] << 8) | th[3];
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(bsk);
	__u32 netns = tp ? pl_net_inum(BPF_CORE_READ((struct sock *)tp, __sk_common.skc_net.net)) : 0;
	if (!pl_match(pl_cfg(), netns, &t))
		return 1;
	struct pl_http_event *ev = bpf_ringbuf_reserve(&pl_http_rb, sizeof(*ev), 0);
	if (!ev) {
		pl_count(PL_CNT_LOST);
		return 1;
	}
	ev->ts_ns = bpf_ktime_get_ns();
	ev->cookie = cookie;
	ev->netns = netns;
	ev->seq = (__u32)th[4] << 24 | (__u32)th[5] << 16 | (__u32)th[6] << 8 | th[7];
	ev->full_len = len - off;
	ev->dir = dir;
	ev->flags = flags;
	__builtin_memset(ev->_pad, 0, sizeof(ev->_pad));
	ev->t = t;
	__builtin_memset(&ev->proc, 0, sizeof(ev->proc));
	/* The process behind the socket (probe proc): the one that connected it, else the one
	 * listening on its local port. */
	pl_owner(tp, &ev->proc);
	if (!ev->proc.pid)
		pl_listener(netns, dir == PL_DIR_EGRESS ? t.sport : t.dport, &ev->proc);
	/* 64-bit, clamped in a register the verifier tracks (as in dns.bpf.c). */
	__u64 n = flags == PL_HTTP_TLS ? 0 : len - off;
	if (n > PL_HTTP_PAYLOAD)
		n = PL_HTTP_PAYLOAD;
	asm volatile("" : "+r"(n));
	ev->len = 0;
	if (n > 0 && n <= PL_HTTP_PAYLOAD && !bpf_skb_load_bytes(skb, off, ev->payload, n))
		ev->len = n;
	/* A head that neither ends in this segment nor is cut by the copy continues in the next
	 * one: have the next segments of this socket and direction copied too. */
	if (flags == PL_HTTP_START && ev->len == len - off && !head_ends(ev->payload, ev->len)) {
		__u64 ck = cookie << 1 | (dir == PL_DIR_EGRESS);
		__u32 left = PL_HTTP_CONT_SEGMENTS;
		if (!bpf_map_update_elem(&pl_http_cont, &ck, &left, BPF_NOEXIST))
			__sync_fetch_and_add(&pl_http_split, 1);
		else
			bpf_map_update_elem(&pl_http_cont, &ck, &left, BPF_ANY);
	}
	bpf_ringbuf_submit(ev, pl_wakeup_flags(&pl_http_rb, ev->ts_ns));
	pl_count(PL_CNT_EVENTS);
	return 1;
}

SEC("cgroup_skb/egress")
int pl_http_egress(struct __sk_buff *skb)
{
	return handle(skb, PL_DIR_EGRESS);
}

SEC("cgroup_skb/ingress")
int pl_http_ingress(struct __sk_buff *skb)
{
	return handle(skb, PL_DIR_INGRESS);
}
