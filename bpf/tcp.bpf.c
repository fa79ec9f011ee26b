// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tcp: outcomes of connection attempts as the kernel decides them.
 *
 * A failed active open always ends in SYN_SENT -> CLOSE via tcp_done(), and the kernel
 * has stored why in sk_err just before: ECONNREFUSED (RST answered the SYN, tcp_reset),
 * ETIMEDOUT (SYN retries exhausted, tcp_write_err) or EHOSTUNREACH/ENETUNREACH (ICMP error,
 * tcp_v4_err). Reading sk_err there gives one event per attempt instead of correlating
 * tcp_receive_reset with the state change. An application closing a socket still in
 * SYN_SENT leaves sk_err at 0 and is not an outcome of the network, so it is not reported.
 */
#include "common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} pl_tcp_rb SEC(".maps");

const struct pl_tcp_event *unused_tcp_event __attribute__((unused));
const enum pl_tcp_kind *unused_tcp_kind __attribute__((unused));

static __always_inline int emit(const struct sock *sk, __u32 kind, __s32 err, __u16 state, __u16 server)
{
	struct pl_tcp_event ev = {};
	if (!pl_sock_tuple(sk, &ev.t))
		return 0;
	ev.netns = pl_net_inum(BPF_CORE_READ(sk, __sk_common.skc_net.net));
	if (!pl_match(pl_cfg(), ev.netns, &ev.t))
		return 0;
	pl_owner(sk, &ev.proc);
	/* Not connected by a known process: an accepted socket is the listener's. */
	if (!ev.proc.pid)
		pl_listener(ev.netns, ev.t.sport, &ev.proc);
	ev.ts_ns = bpf_ktime_get_ns();
	ev.kind = kind;
	ev.err = err;
	ev.state = state;
	ev.server = server;
	return pl_output(&pl_tcp_rb, &ev, sizeof(ev), ev.ts_ns);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pl_tcp_state, const struct sock *sk, int oldstate, int newstate)
{
	/* The tracepoint also fires for DCCP, SCTP and MPTCP sockets. */
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_ESTABLISHED && (oldstate == TCP_SYN_SENT || oldstate == TCP_SYN_RECV))
		return emit(sk, PL_TCP_ESTABLISHED, 0, newstate, oldstate == TCP_SYN_RECV);
	if (oldstate == TCP_SYN_SENT && newstate == TCP_CLOSE) {
		int err = BPF_CORE_READ(sk, sk_err);
		if (err == ECONNREFUSED)
			return emit(sk, PL_TCP_REFUSED, err, oldstate, 0);
		if (err == ETIMEDOUT)
			return emit(sk, PL_TCP_TIMEOUT, err, oldstate, 0);
		if (err == EHOSTUNREACH || err == ENETUNREACH)
			return emit(sk, PL_TCP_UNREACHABLE, err, oldstate, 0);
	}
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(pl_tcp_rst_in, struct sock *sk)
{
	__u16 state = BPF_CORE_READ(sk, __sk_common.skc_state);
	/* An RST answering our SYN is a refusal, reported once by pl_tcp_state. */
	if (state == TCP_SYN_SENT)
		return 0;
	return emit(sk, PL_TCP_RESET_RECEIVED, 0, state, 0);
}

/* Arguments (sk, skb) are common to every layout; 6.10 appended the reset reason. */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(pl_tcp_rst_out, const struct sock *sk, const struct sk_buff *skb)
{
	/* No socket (or only a listener): the RST answers a packet nobody wanted, which the
	 * drops probe reports as NO_SOCKET and the peer as refused. */
	if (!sk)
		return 0;
	__u16 state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (state == TCP_LISTEN)
		return 0;
	return emit(sk, PL_TCP_RESET_SENT, 0, state, 0);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(pl_tcp_retrans, const struct sock *sk, const struct sk_buff *skb)
{
	return emit(sk, PL_TCP_RETRANSMIT, 0, BPF_CORE_READ(sk, __sk_common.skc_state), 0);
}
