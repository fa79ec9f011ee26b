// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * drops: every skb freed as dropped (skb:kfree_skb), with the kernel's drop reason, the
 * freeing call site, the 5-tuple, netns and ifindex. The reason is forwarded as a raw
 * number; the agent names it from the running kernel's BTF (enum skb_drop_reason).
 *
 * Four entry points, of which the agent loads exactly one: tp_btf where the kernel has
 * BTF for the tracepoint, raw_tp otherwise (needs no tracefs and no BTF for the attach);
 * each with and without the reason argument, which arrived in 5.17 (commit c504e5c2f964,
 * "net: skb: introduce kfree_skb_reason()"). Reading an argument the tracepoint does not
 * have is rejected at load/attach time, so the no-reason variants never touch ctx[2].
 * 6.11 appended rx_sk (commit c53795d48ee8); we do not read it, so both layouts load.
 */
#include "common.bpf.h"

/* 1 MiB: ~9,000 events, ~20 ms of a 450k/s flood — room for a reader that a loaded machine
 * schedules late after its 64 KiB wakeup (256 KiB lost ~0.1 % at 377k/s in bench/probe). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} pl_drops_rb SEC(".maps");

/* Force the event type into BTF so bpf2go can mirror it. */
const struct pl_drop_event *unused_drop_event __attribute__((unused));
/* Constants the agent shares with every probe; drops carries them for bpf2go. */
const enum pl_config_flag *unused_config_flag __attribute__((unused));
const enum pl_counter *unused_counter __attribute__((unused));

static __always_inline int handle(struct sk_buff *skb, void *location, __u32 reason, bool has_reason)
{
	struct pl_config *cfg = pl_cfg();
	if (has_reason && cfg) {
		if (reason == cfg->reason_not_dropped_yet || reason == cfg->reason_consumed)
			return 0;
		if (reason == cfg->reason_not_specified && !(cfg->flags & PL_F_DROP_NOT_SPECIFIED))
			return 0;
	}

	struct pl_drop_event ev = {};
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (dev) {
		ev.ifindex = BPF_CORE_READ(dev, ifindex);
		ev.netns = pl_net_inum(BPF_CORE_READ(dev, nd_net.net));
	} else {
		/* Locally generated packets dropped before a device is chosen (OUTPUT chain). */
		struct sock *sk = BPF_CORE_READ(skb, sk);
		if (sk)
			ev.netns = pl_net_inum(BPF_CORE_READ(sk, __sk_common.skc_net.net));
	}

	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	const unsigned char *l3 = nh != (__u16)~0U ? head + nh : BPF_CORE_READ(skb, data);
	const unsigned char *l4 = NULL;
	if (!pl_parse_l3(l3, BPF_CORE_READ(skb, protocol), &ev.t, &l4))
		return 0; /* not IP: ARP, LLDP... not what "A cannot reach B" is about */
	if (!pl_match(cfg, ev.netns, &ev.t))
		return 0;
	struct sock *sk = BPF_CORE_READ(skb, sk);
	if (sk) {
		pl_owner(sk, &ev.proc);
		if (!ev.proc.pid)
			pl_listener(ev.netns, ev.t.sport, &ev.proc);
	}

	ev.ts_ns = bpf_ktime_get_ns();
	ev.location = (__u64)location;
	ev.reason = reason;
	ev.has_reason = has_reason;
	return pl_output(&pl_drops_rb, &ev, sizeof(ev), ev.ts_ns);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(pl_drop_btf, struct sk_buff *skb, void *location, __u32 reason)
{
	return handle(skb, location, reason, true);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(pl_drop_btf_noreason, struct sk_buff *skb, void *location)
{
	return handle(skb, location, 0, false);
}

SEC("raw_tp/kfree_skb")
int BPF_PROG(pl_drop_raw, struct sk_buff *skb, void *location, __u32 reason)
{
	return handle(skb, location, reason, true);
}

SEC("raw_tp/kfree_skb")
int BPF_PROG(pl_drop_raw_noreason, struct sk_buff *skb, void *location)
{
	return handle(skb, location, 0, false);
}
