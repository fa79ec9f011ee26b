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

const struct pl_dns_event *unused_dns_event __attribute__((unused));
const enum pl_dns_dir *unused_dns_dir __attribute__((unused));

static __always_inline int handle(struct sk_buff *skb, __u16 dir)
{
	__be16 ethertype = skb->protocol;
	if (ethertype != bpf_htons(ETH_P_IP) && ethertype != bpf_htons(ETH_P_IPV6))
		return 0;
	/* On transmit the IP stack has set network_header; on receive, the trace point runs
	 * before __netif_receive_skb_core resets it, but eth_type_trans has already pulled
	 * the link header, so data is the IP header. */
	unsigned char *data = skb->data;
	const unsigned char *l3 = dir == PL_DIR_EGRESS ? skb->head + skb->network_header : data;

	__u8 first;
	if (bpf_probe_read_kernel(&first, 1, l3))
		return 0;
	__u8 proto;
	const unsigned char *l4;
	if (ethertype == bpf_htons(ETH_P_IP)) {
		if (bpf_probe_read_kernel(&proto, 1, l3 + 9))
			return 0;
		l4 = l3 + (first & 0x0f) * 4;
	} else {
		if (bpf_probe_read_kernel(&proto, 1, l3 + 6))
			return 0;
		l4 = l3 + sizeof(struct ipv6hdr);
	}
	if (proto != IPPROTO_UDP)
		return 0;
	struct udphdr uh;
	if (bpf_probe_read_kernel(&uh, sizeof(uh), l4))
		return 0;
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
	bpf_ringbuf_submit(ev, 0);
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
