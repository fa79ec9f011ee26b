package protocol

// Examples returns one line of every type with every field set (and one line per TCP
// event, error code and bye reason), as written by the agent. They become
// test/fixtures/probe/protocol.ndjson, which the TypeScript decoder's tests read.
func Examples() []any {
	h := func(t string, ts int64) Header { return Header{V: Version, Type: t, TS: ts, Node: "node-1"} }
	ep4 := Endpoints{Netns: 4026532290, Proto: "tcp", Src: "10.244.0.5", Sport: 43120, Dst: "10.244.0.7", Dport: 8080, Family: 4}
	ep6 := Endpoints{Netns: 4026532291, Proto: "udp", Src: "fd00::5", Sport: 53001, Dst: "fd00::a", Dport: 53, Family: 6}
	filters := Filters{Netns: []uint32{4026532290}, CIDR: []string{"10.244.0.0/24"}, Port: []uint16{8080, 53}, Proto: []string{"tcp", "udp"}, NotSpecified: false}
	counts := map[string]ProbeStats{"drops": {Events: 12, Lost: 1, LostUser: 2, RunTime: &RunTime{RunCount: 100000, RunNs: 4200000, AvgNs: 42}}}
	// Without run --stats the kernel's run-time statistics are off and their fields absent.
	countsNoRunTime := map[string]ProbeStats{"drops": {Events: 12, Lost: 1, LostUser: 2}, "dns": {}}
	proc := &Proc{Pid: 4121, Tid: 4121, Comm: "curl", CgroupID: 8670,
		Cgroup:      "kubepods-besteffort-pod60edf64d_906c_40b2_9925_3f6e53e521db.slice/cri-containerd-a712b9223a4e6bb01952e373813835046790f4910c87c947987eaeab9114f5c9.scope",
		ContainerID: "a712b9223a4e6bb01952e373813835046790f4910c87c947987eaeab9114f5c9", PodUID: "60edf64d-906c-40b2-9925-3f6e53e521db"}
	// A process whose cgroup has no name the agent recognises (the root cgroup).
	procBare := &Proc{Pid: 7265, Tid: 7277, Comm: "kubelet", CgroupID: 1}
	out := []any{
		Hello{
			Header: h(TypeHello, 1764000000000000000), Version: "0.1.0", Kernel: "6.1.0-27-amd64", Arch: "amd64",
			Features: Features{BTF: true, TpBtf: true, DropReasons: true, Ringbuf: true, BpfStats: true, Kallsyms: true, Rules: "rule attribution unavailable: legacy iptables (tables filter in /proc/net/ip_tables_names are not nftables and cannot be traced)"},
			Probes: []ProbeStatus{
				{Name: "drops", State: ProbeAttached, Attach: "tp_btf/kfree_skb"},
				{Name: "dns", State: ProbeDegraded, Attach: "tp_btf/net_dev_queue+tp_btf/netif_receive_skb", Detail: "TCP/53 is not decoded"},
				{Name: "tcp", State: ProbeUnavailable, Detail: "tp_btf/inet_sock_set_state: not in this kernel"},
			},
			Filters: filters, TTLMs: 600000, Reasons: map[string]uint{"NOT_SPECIFIED": 2, "NETFILTER_DROP": 6},
		},
		Drop{Header: h(TypeDrop, 1764000000100000000), Endpoints: ep4, Ifindex: 2, Reason: "NETFILTER_DROP", ReasonCode: 6, HasReason: true, Location: "nf_hook_slow+0x9b", Proc: proc},
		Drop{Header: h(TypeDrop, 1764000000100000001), Endpoints: ep4, Ifindex: 2, Reason: "OVS_DROP_LAST_ACTION", ReasonCode: 0x30001, HasReason: true, Subsystem: "OPENVSWITCH", Location: "ovs_dp_process_packet+0x1c0"},
		DNS{Header: h(TypeDNS, 1764000000200000000), Endpoints: ep6, Ifindex: 3, Dir: "egress", QR: QRQuery, ID: 4242, Qname: "backend.shop.svc.cluster.local.", Qtype: "AAAA", Proc: procBare},
		DNS{
			Header: h(TypeDNS, 1764000000201000000), Endpoints: ep6, Ifindex: 3, Dir: "ingress", QR: QRResponse, ID: 4242,
			Qname: "backend.shop.svc.cluster.local.", Qtype: "A", Rcode: "NOERROR", LatencyNs: 1000000, Truncated: true, Malformed: "answer 2: truncated",
			Answers: []Answer{{Name: "www.example.", Type: "CNAME", TTL: 30, Data: "backend.shop.svc.cluster.local."}, {Name: "backend.shop.svc.cluster.local.", Type: "A", TTL: 30, Data: "10.96.0.12"}, {Name: "backend.shop.svc.cluster.local.", Type: "AAAA", TTL: 30, Data: "fd00::12"}},
		},
		Stats{Header: h(TypeStats, 1764000001000000000), UptimeMs: 1000, Probes: counts, Written: 7},
		Stats{Header: h(TypeStats, 1764000001000000001), UptimeMs: 1000, Probes: countsNoRunTime, Written: 7},
		FiltersAck{Header: h(TypeFilters, 1764000001500000000), Filters: filters},
		Rule{
			Header: h(TypeRule, 1764000000100000100), Endpoints: ep4,
			RuleStep: RuleStep{TableFamily: "ip", Table: "filter", Chain: "KUBE-POD-FW-ABCDEFGHIJKLMNOP", Handle: 42, Verdict: "reject", Comment: "rule to REJECT traffic destined for POD name:backend-1 namespace: shop"},
			Position: 7, Syntax: "iptables",
			Text: `-A KUBE-POD-FW-ABCDEFGHIJKLMNOP -m comment --comment "rule to REJECT traffic destined for POD name:backend-1 namespace: shop" -j REJECT --reject-with icmp-port-unreachable`,
			Iif:  "veth1", Oif: "cni0", TraceID: 3735928559,
			Path: []RuleStep{
				{TableFamily: "ip", Table: "filter", Chain: "FORWARD", Handle: 10, Verdict: "jump", Target: "KUBE-ROUTER-FORWARD"},
				{TableFamily: "ip", Table: "filter", Chain: "KUBE-ROUTER-FORWARD", Handle: 12, Verdict: "jump", Target: "KUBE-POD-FW-ABCDEFGHIJKLMNOP", Comment: "rule to jump traffic destined to POD name:backend-1 namespace: shop to chain KUBE-POD-FW-ABCDEFGHIJKLMNOP"},
			},
		},
		HTTP{
			Header: h(TypeHTTP, 1764000000250000000), Endpoints: ep4, Role: HTTPClient, Method: "GET", Path: "/api/items", QueryStripped: true,
			Host: "backend.shop:8080", Version: "HTTP/1.1", Status: 503, LatencyNs: 21000000, Proc: proc,
		},
		HTTP{Header: h(TypeHTTP, 1764000000250000001), Endpoints: ep4, Role: HTTPServer, Version: "HTTP/1.0", Status: 200},
		Rule{
			Header: h(TypeRule, 1764000000100000200), Endpoints: ep6,
			RuleStep: RuleStep{TableFamily: "inet", Table: "host", Chain: "input", Verdict: "drop", Policy: true},
			Text:     "policy drop", TraceID: 1,
		},
	}
	for i, ev := range TCPEvents {
		t := TCP{Header: h(TypeTCP, 1764000000300000000+int64(i)), Endpoints: ep4, Event: ev, State: "SYN_SENT", Role: "client"}
		switch ev {
		case TCPRefused:
			t.Errno, t.Proc = "ECONNREFUSED", proc
		case TCPTimeout:
			t.Errno = "ETIMEDOUT"
		case TCPUnreachable:
			t.Errno = "EHOSTUNREACH"
		case TCPReset:
			t.ResetDir, t.State, t.Role = "received", "ESTABLISHED", ""
		case TCPEstablished:
			t.State, t.Role = "ESTABLISHED", "server"
		}
		out = append(out, t)
	}
	out = append(out, TCP{Header: h(TypeTCP, 1764000000400000000), Endpoints: ep4, Event: TCPReset, ResetDir: "sent", State: "CLOSE"})
	out = append(out, testExamples(h)...)
	for i, code := range ErrorCodes {
		out = append(out, Error{Header: h(TypeError, 1764000002000000000+int64(i)), Code: code, Message: "example " + code, Probe: "dns", Fatal: code != ErrAttach})
	}
	for i, r := range ByeReasons {
		out = append(out, Bye{Header: h(TypeBye, 1764000003000000000+int64(i)), Reason: r, Probes: counts})
	}
	return out
}

// testExamples is one active test through every phase, then one connect line per outcome
// and one done line per verdict.
func testExamples(h func(string, int64) Header) []any {
	ndots := 5
	t := func(i int64, phase string) Test {
		return Test{Header: h(TypeTest, 1764000004000000000+i), ID: "t-1", Phase: phase, FromIP: "10.244.0.5", Netns: 4026532290}
	}
	netns := t(0, TestNetns)
	netns.Pid, netns.ResolvConf, netns.Ndots = 4242, "/proc/4242/root/etc/resolv.conf", &ndots
	netns.Nameservers, netns.Search = []string{"10.96.0.10:53"}, []string{"shop.svc.cluster.local", "svc.cluster.local", "cluster.local"}
	nx := t(1, TestDNS)
	nx.Name, nx.Qtype, nx.Server, nx.Rcode, nx.LatencyNs = "backend.shop.svc.cluster.local.shop.svc.cluster.local.", "A", "10.96.0.10:53", "NXDOMAIN", 800000
	ok := t(2, TestDNS)
	ok.Name, ok.Qtype, ok.Server, ok.Rcode, ok.LatencyNs = "backend.shop.svc.cluster.local.", "A", "10.96.0.10:53", "NOERROR", 700000
	ok.Answers = []Answer{{Name: "backend.shop.svc.cluster.local.", Type: "A", TTL: 30, Data: "10.96.0.12"}}
	lost := t(3, TestDNS)
	lost.Name, lost.Qtype, lost.Server, lost.Errno = "backend.shop.svc.cluster.local.", "A", "10.96.0.10:53", "ETIMEDOUT"
	lost.Error = "no answer from the nameserver 10.96.0.10:53 within 3s: DNS traffic from the pod is lost (see the drop lines) or the DNS service is down"
	out := []any{netns, nx, ok, lost}
	connects := []struct{ proto, outcome, errno string }{
		{"tcp", OutcomeEstablished, ""}, {"tcp", OutcomeRefused, "ECONNREFUSED"}, {"tcp", OutcomeTimeout, "ETIMEDOUT"},
		{"tcp", OutcomeUnreachable, "EHOSTUNREACH"}, {"udp", OutcomeReplied, ""}, {"udp", OutcomeNoReply, ""},
		{"tcp", OutcomeError, "EADDRNOTAVAIL"},
	}
	for i, c := range connects {
		l := t(10+int64(i), TestConnect)
		l.Target, l.Proto, l.Outcome, l.Errno, l.LatencyNs = "10.96.0.12:8080", c.proto, c.outcome, c.errno, 1200000
		if c.outcome != OutcomeEstablished && c.outcome != OutcomeReplied {
			l.Error = "example " + c.outcome
		}
		out = append(out, l)
	}
	done := t(20, TestDone)
	done.Name, done.Target, done.Proto, done.Outcome, done.Addresses = "backend.shop.svc.cluster.local", "10.96.0.12:8080", "tcp", OutcomeOK, []string{"10.96.0.12"}
	failed := t(21, TestDone)
	failed.Outcome, failed.Error = OutcomeFailed, "10.96.0.12:8080 refused the connection: nothing listens on that port, or a firewall rejects it"
	notFound := t(22, TestDone)
	notFound.Netns, notFound.Outcome, notFound.Error = 0, OutcomeError, "no network namespace on this node has 10.244.0.5: is the pod on this node?"
	return append(out, done, failed, notFound)
}
