// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dns: UDP/53 datagrams as they leave (net_dev_queue) or enter (netif_receive_skb) any
 * device in any network namespace, with up to 512 bytes of the DNS message. Parsing the
 * message is left to the agent: the kernel only decides "is this UDP port 53 and wanted".
 *
 * Both hooks fire for every packet on the node, so this is the hot path: the cheapest
 * tests come first and the skb is read with direct (BTF-typed) loads, not helper calls.
 * Seeing egress and ingress means each namespace on the path reports its own view (the
 * client's netns sees query out and response in), which is what lets the agent match a
 * response to its query by (netns, 5-tuple, id).
 */
#include "common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} pl_dns_rb SEC(".maps");

/* Largest skb that can still be a DNS datagram: 4096 bytes of EDNS payload plus headers. */
#define PL_DNS_MAX_SKB (4096 + 128)

const struct pl_dns_event *unused_dns_event __attribute__((unused));
const enum pl_dns_dir *unused_dns_dir __attribute__((unused));

static __always_inline int handle(struct sk_buff *skb, __u16 dir)
{
	__be16 ethertype = skb->protocol;
	if (ethertype != bpf_htons(ETH_P_IP) && ethertype != bpf_htons(ETH_P_IPV6))
		return 0;
	/* Gates that need no helper call, for the bulk of a node's packets. A GSO/GRO
	 * aggregate is TCP (or a tunnel), never a classic DNS datagram (<= 4096 bytes with
	 * EDNS). A packet sent by a TCP socket is not UDP: skb->sk is a full socket, or a
	 * request/timewait socket, which only TCP has, so whatever sk_protocol reads there, a
	 * UDP datagram is never skipped. */
	if (skb->len > PL_DNS_MAX_SKB)
		return 0;
	struct sock *sk = skb->sk;
	if (sk && sk->sk_protocol == IPPROTO_TCP)
		return 0;
	/* On transmit the IP stack has set network_header; on receive, the trace point runs
	 * before __netif_receive_skb_core resets it, but eth_type_trans has already pulled
	 * the link header, so data is the IP header. */
	unsigned char *data = skb->data;
	const unsigned char *l3 = dir == PL_DIR_EGRESS ? skb->head + skb->network_header : data;

	/* One helper call reads an option-less IPv4 header (20 bytes) or an IPv6 header (40)
	 * together with the UDP header: each bpf_probe_read_kernel costs tens of ns, and this
	 * runs for every packet. The skb head always has tailroom (skb_shared_info) past the
	 * headers, so the fixed-size read stays inside the allocation. */
	__u8 h[sizeof(struct ipv6hdr) + sizeof(struct udphdr)];
	if (bpf_probe_read_kernel(h, sizeof(h), l3))
		return 0;
	const unsigned char *l4;
	struct udphdr uh;
	if (ethertype == bpf_htons(ETH_P_IP)) {
		if (h[9] != IPPROTO_UDP)
			return 0;
		__u32 ihl = (h[0] & 0x0f) * 4;
		l4 = l3 + ihl;
		if (ihl == 20)
			__builtin_memcpy(&uh, h + 20, sizeof(uh));
		else if (bpf_probe_read_kernel(&uh, sizeof(uh), l4))
			return 0;
	} else {
		if (h[6] != IPPROTO_UDP)
			return 0;
		l4 = l3 + sizeof(struct ipv6hdr);
		__builtin_memcpy(&uh, h + sizeof(struct ipv6hdr), sizeof(uh));
	}
	if (uh.source != bpf_htons(53) && uh.dest != bpf_htons(53))
		return 0;

	/* Rare from here on: a DNS datagram. Filter before reserving, so a full ring buffer
	 * only counts as lost what would have been reported. */
	struct pl_tuple t = {};
	const unsigned char *l4p = NULL;
	if (!pl_parse_l3(l3, ethertype, &t, &l4p))
		return 0;
	struct net_device *dev = skb->dev;
	__u32 netns = dev ? dev->nd_net.net->ns.inum : 0;
	if (!pl_match(pl_cfg(), netns, &t))
		return 0;
	struct pl_dns_event *ev = bpf_ringbuf_reserve(&pl_dns_rb, sizeof(*ev), 0);
	if (!ev) {
		pl_count(PL_CNT_LOST);
		return 0;
	}
	ev->t = t;
	ev->netns = netns;
	ev->ifindex = dev ? dev->ifindex : 0;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->dir = dir;
	ev->_pad = 0;
	__builtin_memset(&ev->proc, 0, sizeof(ev->proc));
	/* A datagram leaving a local socket, in its own namespace, is sent from the sender's
	 * context (sendmsg down to the device queue); past the namespace the socket is gone. */
	struct pl_config *cfg = pl_cfg();
	if (sk && dir == PL_DIR_EGRESS && cfg && (cfg->flags & PL_F_PROC) && pl_current_netns() == netns)
		pl_current(&ev->proc);

	__u32 udp_len = bpf_ntohs(uh.len);
	__u32 payload_len = udp_len > sizeof(uh) ? udp_len - sizeof(uh) : 0;
	ev->full_len = payload_len;
	/* Only the linear part of the skb can be read with a plain copy; DNS over UDP nearly
	 * always fits there. What does not is reported as truncated by the agent. */
	const unsigned char *payload = l4 + sizeof(uh);
	const unsigned char *linear_end = data + (skb->len - skb->data_len);
	__s64 avail = linear_end - payload;
	__u64 n = payload_len;
	if (avail < 0)
		avail = 0;
	if (n > (__u64)avail)
		n = avail;
	/* Clamp in a register the verifier tracks: clang may otherwise fold the min() into a
	 * form whose bounds the verifier loses ("R2 min value is outside..."). */
	asm volatile("" : "+r"(n));
	if (n > PL_DNS_PAYLOAD)
		n = PL_DNS_PAYLOAD;
	ev->len = 0;
	if (n > 0 && n <= PL_DNS_PAYLOAD && !bpf_probe_read_kernel(ev->payload, n, payload))
		ev->len = n;
	bpf_ringbuf_submit(ev, pl_wakeup_flags(&pl_dns_rb, ev->ts_ns));
	pl_count(PL_CNT_EVENTS);
	return 0;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(pl_dns_egress, struct sk_buff *skb)
{
	return handle(skb, PL_DIR_EGRESS);
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(pl_dns_ingress, struct sk_buff *skb)
{
	return handle(skb, PL_DIR_INGRESS);
}
