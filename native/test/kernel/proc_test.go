package kernel_test

import (
	"fmt"
	"strings"
	"testing"
)

// helperProc splits a proc-* helper's output into its pid, its comm and the rest.
func helperProc(t *testing.T, out string) (pid float64, comm, rest string) {
	t.Helper()
	first, rest, _ := strings.Cut(out, "\n")
	var p int
	if _, err := fmt.Sscanf(first, "pid %d %s", &p, &comm); err != nil {
		t.Fatalf("helper output %q: %v", out, err)
	}
	return float64(p), comm, rest
}

func procOf(t *testing.T, what string, line map[string]any) map[string]any {
	t.Helper()
	p, ok := line["proc"].(map[string]any)
	if !ok {
		t.Fatalf("%s has no proc: %v", what, line)
	}
	return p
}

// Probe proc: a connection from a process in a test namespace carries that process (pid as
// the node sees it, its name, its cgroup) on the client's outcomes; the server side of an
// established connection carries the process listening on the port; a packet dropped on
// its way out of the client's socket carries the client.
func TestProcConnect(t *testing.T) {
	requireRoot(t)
	a, b := pair(t, 96)
	ag := startAgent(t, "--netns", nsFilter(a, b), "--proto", "tcp")
	serverPid := float64(startInNetns(t, b, "listen", b.ip+":8080")) // after the agent: its listen() is seen

	pid, comm, out := helperProc(t, inNetns(t, a, "proc-dial", b.ip+":7"))
	if !strings.Contains(out, "refused") {
		t.Fatalf("client: %s (want connection refused)", out)
	}
	r := ag.mustSee("tcp refused", is("tcp", "event", "refused", "src", a.ip, "dst", b.ip, "dport", 7))
	p := procOf(t, "the refused connect", r)
	if num(p, "pid") != pid || str(p, "comm") != comm || num(p, "tid") == 0 || num(p, "cgroupId") == 0 {
		t.Errorf("refused connect: proc %v, want pid %v comm %q", p, pid, comm)
	}

	pid2, _, out := helperProc(t, inNetns(t, a, "proc-dial", b.ip+":8080"))
	if !strings.HasPrefix(out, `ok "hi"`) {
		t.Fatalf("client: %s", out)
	}
	c := ag.mustSee("established (client)", is("tcp", "event", "established", "role", "client", "dst", b.ip, "dport", 8080))
	if p := procOf(t, "the client's established", c); num(p, "pid") != pid2 || str(p, "comm") != comm {
		t.Errorf("client established: proc %v, want pid %v", p, pid2)
	}
	s := ag.mustSee("established (server)", is("tcp", "event", "established", "role", "server", "sport", 8080))
	if p := procOf(t, "the server's established", s); num(p, "pid") != serverPid {
		t.Errorf("server established: proc %v, want the listener's pid %v", p, serverPid)
	}

	// A SYN dropped in the client's own namespace (OUTPUT) still has its socket.
	run(t, "ip", "netns", "exec", a.name, "iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", "9", "-j", "DROP")
	pid3, _, _ := helperProc(t, inNetns(t, a, "proc-dial", b.ip+":9,500ms"))
	d := ag.mustSee("the SYN dropped on its way out", is("drop", "reason", "NETFILTER_DROP", "dst", b.ip, "dport", 9))
	if p := procOf(t, "the drop", d); num(p, "pid") != pid3 || str(p, "comm") != comm {
		t.Errorf("drop: proc %v, want pid %v", p, pid3)
	}
	ag.stop()
	// The NO_SOCKET drop of the refused SYN happened in the server's namespace, where no
	// local socket sent it: no process is named rather than a wrong one.
	for _, d := range ag.all(is("drop", "reason", "NO_SOCKET", "dport", 7)) {
		if d["proc"] != nil {
			t.Errorf("a drop without a local socket names a process: %v", d)
		}
	}
}

// Probe proc: a DNS query carries the process that sent it, the server's answer the
// server's process (dnsmasq, started before the agent: a datagram is named from its sender);
// the same messages arriving in the other namespace carry none.
func TestProcDNS(t *testing.T) {
	requireRoot(t)
	a, b := pair(t, 97)
	startDnsmasq(t, b, "known.pathlight.test,10.97.0.42")
	ag := startAgent(t, "--netns", nsFilter(a, b), "--probes", "dns,proc")
	pid, comm, out := helperProc(t, inNetns(t, a, "proc-dns", b.ip+",known.pathlight.test."))
	if out != "RCodeSuccess" {
		t.Fatalf("query: %s", out)
	}
	q := ag.mustSee("the query leaving the client", is("dns", "qr", "query", "qname", "known.pathlight.test.", "dir", "egress", "src", a.ip))
	if p := procOf(t, "the query", q); num(p, "pid") != pid || str(p, "comm") != comm || num(p, "cgroupId") == 0 {
		t.Errorf("query: proc %v, want pid %v comm %q", p, pid, comm)
	}
	resp := ag.mustSee("the response leaving the server", is("dns", "qr", "response", "qname", "known.pathlight.test.", "dir", "egress", "src", b.ip))
	if p := procOf(t, "the response", resp); str(p, "comm") != "dnsmasq" {
		t.Errorf("response: proc %v, want dnsmasq", p)
	}
	in := ag.mustSee("the query arriving at the server", is("dns", "qr", "query", "qname", "known.pathlight.test.", "dir", "ingress", "dst", b.ip))
	if in["proc"] != nil {
		t.Errorf("an arriving datagram names a process: %v", in)
	}
	ag.stop()
}
