// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * proc: which process is behind a socket, for the other probes' events. One program on
 * inet_sock_set_state, which the kernel calls inside connect() and listen(), in the
 * caller's context:
 * - CLOSE -> SYN_SENT: the task connecting the socket (pl_sock_owner); the tcp probe's
 *   outcomes and the drops of the socket's packets then carry it;
 * - -> LISTEN: the task listening on (netns, port) (pl_listen_owner); the server side of an
 *   established connection carries it (the listener, not necessarily the process that
 *   will accept(): a pre-forked server's children share their parent's listener);
 * - -> CLOSE: the socket is forgotten, so an address reused by a new socket never inherits
 *   a process. The agent loads this probe after tcp: on the same tracepoint the programs
 *   run in attach order, and tcp reads the owner at SYN_SENT -> CLOSE before it goes.
 * UDP has no such state change: the dns probe names a query's sender itself (the task
 * sending it, on the way out of its socket's namespace). Sockets made before the agent
 * started, and packets without a local socket (forwarded, or past the namespace that sent
 * them) have no process to name. It sends no records of its own.
 *
 * fentry/fexit on accept and udp_sendmsg would see more, but need BPF trampolines, which
 * not every kernel build has (this VM's refuses them with EPERM); tracepoints are
 * everywhere the other probes run.
 */
#include "common.bpf.h"

const struct pl_proc *unused_proc __attribute__((unused));
const struct pl_cgroup_name *unused_cgroup_name __attribute__((unused));

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pl_proc_state, const struct sock *sk, int oldstate, int newstate)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	__u64 key = (__u64)sk;
	if (newstate == TCP_SYN_SENT) {
		struct pl_proc p = {};
		pl_current(&p);
		bpf_map_update_elem(&pl_sock_owner, &key, &p, BPF_ANY);
		return 0;
	}
	struct pl_tuple t = {};
	pl_sock_tuple(sk, &t); /* the local port, even once CLOSE has released it */
	struct pl_listen_key lk = { .netns = pl_net_inum(BPF_CORE_READ(sk, __sk_common.skc_net.net)), .port = t.sport };
	if (newstate == TCP_LISTEN) {
		struct pl_listener l = { .sk = key };
		pl_current(&l.proc);
		bpf_map_update_elem(&pl_listen_owner, &lk, &l, BPF_ANY);
		return 0;
	}
	if (newstate == TCP_CLOSE) {
		bpf_map_delete_elem(&pl_sock_owner, &key);
		if (oldstate == TCP_LISTEN) {
			struct pl_listener *l = bpf_map_lookup_elem(&pl_listen_owner, &lk);
			if (l && l->sk == key)
				bpf_map_delete_elem(&pl_listen_owner, &lk);
		}
	}
	return 0;
}
