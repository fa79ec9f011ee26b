// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * baseline: empty programs on the dns probe's per-packet hooks, attached only when asked
 * for (--probes baseline, used by bench/probe). Their average run time is what the kernel's
 * BPF statistics and the tp_btf trampoline add on this machine by themselves, so the dns
 * programs' own cost is their average minus this floor. Emits nothing.
 */
#include "common.bpf.h"

SEC("tp_btf/net_dev_queue")
int BPF_PROG(pl_base_egress, struct sk_buff *skb)
{
	return 0;
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(pl_base_ingress, struct sk_buff *skb)
{
	return 0;
}
