package kernel_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func nsFilter(ns ...netns) string {
	var s []string
	for _, n := range ns {
		s = append(s, fmt.Sprint(n.inode))
	}
	return strings.Join(s, ",")
}

// An iptables DROP in the destination namespace: the agent reports the drop with the
// kernel's reason NETFILTER_DROP, the exact 5-tuple, the namespace where it was dropped and
// the netfilter call site; the client's SYN retries and gives up: a TCP timeout.
func TestDropByIptablesAndTimeout(t *testing.T) {
	requireRoot(t)
	a, b := pair(t, 91)
	run(t, "ip", "netns", "exec", b.name, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "9", "-j", "DROP")
	// One SYN retry instead of six: the kernel gives up after ~3 s instead of ~2 min.
	run(t, "ip", "netns", "exec", a.name, "sysctl", "-qw", "net.ipv4.tcp_syn_retries=1")
	ag := startAgent(t, "--netns", nsFilter(a, b))
	out := inNetns(t, a, "dial", b.ip+":9,10s")
	if !strings.Contains(out, "timed out") {
		t.Fatalf("client: %s (want a connection timeout)", out)
	}
	drop := ag.mustSee("a NETFILTER_DROP drop", is("drop", "reason", "NETFILTER_DROP", "dst", b.ip, "dport", 9))
	if str(drop, "src") != a.ip || str(drop, "proto") != "tcp" || num(drop, "sport") == 0 || uint32(num(drop, "netns")) != b.inode {
		t.Errorf("drop has the wrong tuple or netns (want %s → %s:9 tcp in netns %d): %v", a.ip, b.ip, b.inode, drop)
	}
	if drop["hasReason"] != true || num(drop, "reasonCode") == 0 || num(drop, "ifindex") == 0 {
		t.Errorf("drop without reason code or ifindex: %v", drop)
	}
	if loc := str(drop, "location"); !strings.Contains(loc, "+0x") || strings.HasPrefix(loc, "0x") {
		t.Errorf("location %q is not a kernel symbol", loc)
	}
	sport := num(drop, "sport")
	tm := ag.mustSee("a tcp timeout", is("tcp", "event", "timeout", "src", a.ip, "dst", b.ip, "dport", 9))
	if num(tm, "sport") != sport || uint32(num(tm, "netns")) != a.inode || str(tm, "errno") != "ETIMEDOUT" || str(tm, "role") != "client" {
		t.Errorf("timeout event: %v (want sport %v, netns %d, ETIMEDOUT)", tm, sport, a.inode)
	}
	ag.mustSee("a SYN retransmit", is("tcp", "event", "retransmit", "dst", b.ip, "dport", 9))
	ag.stop()
	// Every drop of that connection is the same 5-tuple: the SYN and its retry.
	if n := len(ag.all(is("drop", "reason", "NETFILTER_DROP", "dport", 9))); n < 2 {
		t.Errorf("%d NETFILTER_DROP drops, want the SYN and its retransmission", n)
	}
}

// A closed port: the client sees a refusal (RST answered the SYN) and the server's kernel
// drops the SYN with NO_SOCKET.
func TestRefusedAndNoSocket(t *testing.T) {
	requireRoot(t)
	a, b := pair(t, 92)
	ag := startAgent(t, "--netns", nsFilter(a, b))
	if out := inNetns(t, a, "dial", b.ip+":7"); !strings.Contains(out, "refused") {
		t.Fatalf("client: %s (want connection refused)", out)
	}
	r := ag.mustSee("tcp refused", is("tcp", "event", "refused", "src", a.ip, "dst", b.ip, "dport", 7))
	if str(r, "errno") != "ECONNREFUSED" || uint32(num(r, "netns")) != a.inode || str(r, "state") != "SYN_SENT" {
		t.Errorf("refused event: %v", r)
	}
	d := ag.mustSee("a NO_SOCKET drop", is("drop", "reason", "NO_SOCKET", "src", a.ip, "dst", b.ip, "dport", 7))
	if uint32(num(d, "netns")) != b.inode || num(d, "sport") != num(r, "sport") {
		t.Errorf("NO_SOCKET drop: %v", d)
	}
	ag.stop()
	// One refused attempt is one refused event, not one per packet.
	if n := len(ag.all(is("tcp", "event", "refused", "dport", 7))); n != 1 {
		t.Errorf("%d refused events for one attempt", n)
	}
}

// A served port: both ends report established (client and server role); a server that
// closes with SO_LINGER 0 resets the stream: sent by the server, received by the client.
func TestEstablishedAndReset(t *testing.T) {
	requireRoot(t)
	a, b := pair(t, 93)
	startInNetns(t, b, "listen", b.ip+":8080")
	startInNetns(t, b, "listen", b.ip+":8081,rst")
	ag := startAgent(t, "--netns", nsFilter(a, b), "--proto", "tcp")
	if out := inNetns(t, a, "dial", b.ip+":8080"); !strings.HasPrefix(out, `ok "hi"`) {
		t.Fatalf("client: %s", out)
	}
	c := ag.mustSee("established (client)", is("tcp", "event", "established", "role", "client", "dst", b.ip, "dport", 8080))
	s := ag.mustSee("established (server)", is("tcp", "event", "established", "role", "server", "src", b.ip, "sport", 8080))
	if uint32(num(c, "netns")) != a.inode || uint32(num(s, "netns")) != b.inode || num(s, "dport") != num(c, "sport") {
		t.Errorf("established pair does not match: client %v server %v", c, s)
	}
	if out := inNetns(t, a, "dial", b.ip+":8081"); !strings.Contains(out, "reset") {
		t.Fatalf("client of the resetting server: %s", out)
	}
	ag.mustSee("reset sent by the server", is("tcp", "event", "reset", "resetDir", "sent", "src", b.ip, "sport", 8081))
	ag.mustSee("reset received by the client", is("tcp", "event", "reset", "resetDir", "received", "dst", b.ip, "dport", 8081))
	ag.stop()
}

// A real DNS server (dnsmasq) in one namespace: an existing name answers NOERROR with its
// address, the response is matched to its query (latency), a missing name is NXDOMAIN.
func TestDNS(t *testing.T) {
	requireRoot(t)
	a, b := pair(t, 94)
	startDnsmasq(t, b, "known.pathlight.test,10.94.0.42")
	ag := startAgent(t, "--netns", nsFilter(a, b), "--probes", "dns")
	if out := inNetns(t, a, "dns", b.ip+",known.pathlight.test."); out != "RCodeSuccess" {
		t.Fatalf("query for known.pathlight.test: %s", out)
	}
	if out := inNetns(t, a, "dns", b.ip+",missing.pathlight.test."); out != "RCodeNameError" {
		t.Fatalf("query for missing.pathlight.test: %s", out)
	}
	q := ag.mustSee("the query leaving the client", is("dns", "qr", "query", "qname", "known.pathlight.test.", "dir", "egress", "src", a.ip))
	if uint32(num(q, "netns")) != a.inode || str(q, "qtype") != "A" || num(q, "id") != 0x5151 || num(q, "dport") != 53 || str(q, "proto") != "udp" {
		t.Errorf("query: %v", q)
	}
	ok := ag.mustSee("the NOERROR response at the client", is("dns", "qr", "response", "qname", "known.pathlight.test.", "dir", "ingress", "dst", a.ip))
	if str(ok, "rcode") != "NOERROR" || num(ok, "latencyNs") <= 0 || uint32(num(ok, "netns")) != a.inode {
		t.Errorf("response: %v", ok)
	}
	answers, _ := json.Marshal(ok["answers"])
	if !strings.Contains(string(answers), `"type":"A"`) || !strings.Contains(string(answers), `"data":"10.94.0.42"`) {
		t.Errorf("answers %s, want A 10.94.0.42", answers)
	}
	nx := ag.mustSee("the NXDOMAIN response", is("dns", "qr", "response", "qname", "missing.pathlight.test.", "dir", "ingress"))
	if str(nx, "rcode") != "NXDOMAIN" || num(nx, "latencyNs") <= 0 {
		t.Errorf("NXDOMAIN response: %v", nx)
	}
	// The server's namespace has its own view: query in, response out, matched too.
	sv := ag.mustSee("the response leaving the server", is("dns", "qr", "response", "qname", "known.pathlight.test.", "dir", "egress", "src", b.ip))
	if uint32(num(sv, "netns")) != b.inode || num(sv, "latencyNs") <= 0 {
		t.Errorf("server-side response: %v", sv)
	}
	ag.stop()
}

// Filters are applied in the kernel: a namespace outside the netns filter produces nothing,
// and a filters line on stdin re-targets a running agent.
func TestFilters(t *testing.T) {
	requireRoot(t)
	a, b := pair(t, 95)
	c, d := pair(t, 96)
	ag := startAgent(t, "--netns", nsFilter(a, b), "--probes", "drops,tcp")
	inNetns(t, c, "dial", d.ip+":7") // not selected
	inNetns(t, a, "dial", b.ip+":7") // selected
	ag.mustSee("the selected refusal", is("tcp", "event", "refused", "dst", b.ip))
	time.Sleep(300 * time.Millisecond)
	for _, m := range ag.all(func(m map[string]any) bool { return m["type"] == "drop" || m["type"] == "tcp" }) {
		if n := uint32(num(m, "netns")); n != a.inode && n != b.inode {
			t.Errorf("event from a namespace outside the filter: %v", m)
		}
	}
	ag.send(map[string]any{"type": "filters", "netns": []string{"/run/netns/" + c.name}, "port": []int{7}})
	ack := ag.mustSee("the filters acknowledgement", is("filters"))
	f, _ := json.Marshal(ack["filters"])
	if !strings.Contains(string(f), fmt.Sprintf(`"netns":[%d]`, c.inode)) || !strings.Contains(string(f), `"port":[7]`) {
		t.Errorf("ack %s, want netns [%d] port [7]", f, c.inode)
	}
	inNetns(t, c, "dial", d.ip+":7")
	inNetns(t, a, "dial", b.ip+":7")
	ag.mustSee("the newly selected refusal", is("tcp", "event", "refused", "dst", d.ip))
	ag.send(map[string]any{"type": "filters", "cidr": []string{"not-a-cidr"}})
	e := ag.mustSee("a bad-control error", is("error", "code", "bad-control"))
	if !strings.Contains(str(e, "message"), `"not-a-cidr"`) {
		t.Errorf("error does not name the bad value: %v", e)
	}
	ag.stop()
	refusedToB := ag.all(is("tcp", "event", "refused", "dst", b.ip))
	if len(refusedToB) != 1 {
		t.Errorf("%d refusals to %s, want exactly 1 (the one before the filter change)", len(refusedToB), b.ip)
	}
}

// bpftool's view of the kernel: the agent's programs (pl_*) and the links that attach them.
func agentObjects(t *testing.T) []string {
	t.Helper()
	show := func(kind string) []map[string]any {
		out, err := exec.Command("bpftool", "-j", kind, "show").Output()
		if err != nil {
			t.Fatalf("bpftool %s show: %v (native/setup.sh installs bpftool)", kind, err)
		}
		var items []map[string]any
		if err := json.Unmarshal(out, &items); err != nil {
			t.Fatalf("bpftool output: %v", err)
		}
		return items
	}
	var found []string
	ours := map[float64]string{}
	for _, p := range show("prog") {
		if name, _ := p["name"].(string); strings.HasPrefix(name, "pl_") {
			ours[num(p, "id")] = name
			found = append(found, "prog "+name)
		}
	}
	for _, l := range show("link") {
		if name, ok := ours[num(l, "prog_id")]; ok {
			found = append(found, "link of "+name)
		}
	}
	return found
}

// waitGone polls the kernel's program and link lists until no agent object is left.
func waitGone(t *testing.T, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := agentObjects(t)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// However the agent stops, nothing of it stays in the kernel.
func TestNothingLeftBehind(t *testing.T) {
	requireRoot(t)
	// The previous test's agent has exited, but the kernel frees programs after an RCU
	// grace period: wait for that before taking the "before" picture.
	if left := waitGone(t, 5*time.Second); len(left) > 0 {
		t.Fatalf("agent objects present before the test (another agent running?): %v", left)
	}
	cases := []struct {
		name   string
		args   []string
		stop   func(a *Agent)
		reason string
	}{
		{"stdin closed", nil, func(a *Agent) { a.stop() }, "stdin-closed"},
		{"stop line", nil, func(a *Agent) { a.send(map[string]string{"type": "stop"}); a.wait(10 * time.Second) }, "stop"},
		{"ttl", []string{"--ttl", "1s"}, func(a *Agent) { a.wait(10 * time.Second) }, "ttl"},
		{"SIGTERM", nil, func(a *Agent) { _ = a.cmd.Process.Signal(syscall.SIGTERM); a.wait(10 * time.Second) }, "signal"},
		{"SIGKILL", nil, func(a *Agent) { _ = a.cmd.Process.Kill(); a.wait(10 * time.Second) }, ""},
		// The http probe's programs hang on the root cgroup: bpf_links, gone with the process.
		{"stdin closed, http", []string{"--probes", "drops,dns,tcp,proc,http"}, func(a *Agent) { a.stop() }, "stdin-closed"},
		{"SIGKILL, http", []string{"--probes", "http"}, func(a *Agent) { _ = a.cmd.Process.Kill(); a.wait(10 * time.Second) }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := startAgent(t, c.args...)
			if len(agentObjects(t)) == 0 {
				t.Fatal("bpftool does not see the running agent's programs: the check below would prove nothing")
			}
			c.stop(a)
			if c.reason != "" {
				bye := a.find(is("bye"))
				if bye == nil || str(bye, "reason") != c.reason {
					t.Errorf("bye %v, want reason %q", bye, c.reason)
				}
			}
			// Program and link release is asynchronous in the kernel (RCU): allow a moment.
			if left := waitGone(t, 5*time.Second); len(left) > 0 {
				t.Errorf("left in the kernel after %s: %v", c.name, left)
			}
		})
	}
}

// The hello line tells the consumer what this kernel supports, detected, not assumed.
func TestHello(t *testing.T) {
	requireRoot(t)
	a := startAgent(t, "--probes", "drops,dns,tcp", "--ttl", "30s", "--stats")
	h := a.find(is("hello"))
	a.mustSee("a stats line", is("stats"))
	a.stop()
	f, _ := h["features"].(map[string]any)
	for _, k := range []string{"btf", "tpBtf", "dropReasons", "ringbuf", "bpfStats", "kallsyms"} {
		if f[k] != true {
			t.Errorf("feature %s = %v on this kernel (it has BTF, tp_btf and drop reasons)", k, f[k])
		}
	}
	if num(h, "v") != 1 || str(h, "node") == "" || str(h, "kernel") == "" || num(h, "ttlMs") != 30000 {
		t.Errorf("hello header: %v", h)
	}
	// Its kernel and its node's network namespace (nodes on one shared kernel tell their events apart by them).
	var self syscall.Stat_t
	if err := syscall.Stat("/proc/self/ns/net", &self); err != nil || num(h, "netns") != float64(self.Ino) {
		t.Errorf("hello netns = %v, this network namespace is %d", h["netns"], self.Ino)
	}
	if boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id"); str(h, "bootId") != strings.TrimSpace(string(boot)) {
		t.Errorf("hello bootId = %q, the kernel's is %q", str(h, "bootId"), strings.TrimSpace(string(boot)))
	}
	probes, _ := h["probes"].([]any)
	attached := map[string]bool{}
	for _, p := range probes {
		if m, _ := p.(map[string]any); str(m, "state") == "attached" && strings.HasPrefix(str(m, "attach"), "tp_btf/") {
			attached[str(m, "name")] = true
		}
	}
	for _, p := range []string{"drops", "dns", "tcp"} {
		if !attached[p] {
			t.Errorf("probe %s not attached through tp_btf: %v", p, h["probes"])
		}
	}
	reasons, _ := h["reasons"].(map[string]any)
	if _, ok := reasons["NETFILTER_DROP"]; !ok {
		t.Errorf("hello has no reason table from BTF: %v", reasons)
	}
}

// The kernel's run-time statistics make every BPF program on the node slower, so the agent
// turns them on only with --stats: hello says whether they are on, and the stats and bye
// lines carry the probes' run time only then.
func TestRunTimeStatsOnlyWithFlag(t *testing.T) {
	requireRoot(t)
	a, b := pair(t, 98)
	for _, withStats := range []bool{false, true} {
		args := []string{"--probes", "dns", "--netns", nsFilter(a, b), "--ttl", "30s"}
		if withStats {
			args = append(args, "--stats")
		}
		ag := startAgent(t, args...)
		// Packets through the dns programs' hooks (every packet on the node goes there).
		if out := inNetns(t, a, "udpflood", b.ip+":9,100"); out != "sent 100" {
			t.Fatalf("flood: %s", out)
		}
		ag.mustSee("a stats line after the traffic", is("stats"))
		ag.stop()
		hello := ag.find(is("hello"))
		if f, _ := hello["features"].(map[string]any); f["bpfStats"] != withStats {
			t.Errorf("--stats %v: hello features.bpfStats = %v", withStats, f["bpfStats"])
		}
		bye := ag.find(is("bye"))
		dns, _ := bye["probes"].(map[string]any)["dns"].(map[string]any)
		for _, k := range []string{"runCount", "runNs", "avgNs"} {
			if _, has := dns[k]; has != withStats {
				t.Errorf("--stats %v: bye's dns counts have %s: %v", withStats, k, dns)
			}
		}
		for _, st := range ag.all(is("stats")) {
			if _, has := st["probes"].(map[string]any)["dns"].(map[string]any)["runCount"]; has != withStats {
				t.Errorf("--stats %v: a stats line with runCount %v: %v", withStats, has, st)
			}
		}
		if withStats && num(dns, "runCount") < 100 {
			t.Errorf("--stats: the dns programs ran %v times for 100 packets and more", dns["runCount"])
		}
	}
}

// Bad flags are reported as a protocol error line naming the problem, not a Go panic.
func TestBadArguments(t *testing.T) {
	cases := map[string][]string{
		`unknown probe "dnz"`:           {"--probes", "dnz"},
		`cidr "10.0.0.0/99"`:            {"--cidr", "10.0.0.0/99"},
		`--ttl 0s: must be more than 0`: {"--ttl", "0"},
	}
	for want, args := range cases {
		out, err := exec.Command(agentPath(t), append([]string{"run"}, args...)...).Output()
		if err == nil {
			t.Errorf("%v: exit 0", args)
		}
		var e map[string]any
		if json.Unmarshal(out, &e) != nil || e["type"] != "error" || e["code"] != "bad-args" || !strings.Contains(str(e, "message"), want) {
			t.Errorf("%v: %s (want a bad-args error containing %q)", args, out, want)
		}
	}
}

// A reader that stops reading never stalls the kernel side: events beyond the agent's
// queue are counted as lost (lostUser) and reported, and every event is accounted for.
func TestSlowReaderLosesCountedEvents(t *testing.T) {
	requireRoot(t)
	a, b := pair(t, 97)
	cmd := exec.Command(agentPath(t), "run", "--probes", "drops", "--netns", nsFilter(b), "--queue", "16", "--stats-interval", "10s")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	r := bufio.NewReaderSize(stdout, 1<<20)
	if hello, _ := r.ReadString('\n'); !strings.Contains(hello, `"type":"hello"`) {
		t.Fatalf("first line: %s", hello)
	}
	// Nobody reads now: the pipe (64 KiB) and the 16-line queue fill up.
	if out := inNetns(t, a, "udpflood", b.ip+":9,20000"); out != "sent 20000" {
		t.Fatalf("flood: %s", out)
	}
	time.Sleep(500 * time.Millisecond)
	stdin.Close()
	var drops int
	var bye map[string]any
	for {
		line, err := r.ReadString('\n')
		if strings.Contains(line, `"type":"drop"`) {
			drops++
		}
		if strings.Contains(line, `"type":"bye"`) {
			_ = json.Unmarshal([]byte(line), &bye)
		}
		if err != nil {
			break
		}
	}
	if bye == nil {
		t.Fatal("no bye line")
	}
	st := bye["probes"].(map[string]any)["drops"].(map[string]any)
	events, lost, lostUser := num(st, "events"), num(st, "lost"), num(st, "lostUser")
	if lostUser == 0 {
		t.Fatalf("no events counted as lost with a stalled reader: %v (%d delivered)", st, drops)
	}
	if events < 20000 || float64(drops)+lostUser != events {
		t.Errorf("kernel emitted %v, %d delivered + %v lost in the agent (+%v in the kernel): the counts must add up", events, drops, lostUser, lost)
	}
}

// Least privilege: an unprivileged user with only CAP_BPF and CAP_PERFMON (plus CAP_SYSLOG
// for symbol names) attaches every probe; only the run-time statistics, which the kernel
// reserves for CAP_SYS_ADMIN, are missing even when asked for (--stats), and hello says so.
func TestLeastPrivilege(t *testing.T) {
	requireRoot(t)
	dir := agentCopyForOthers(t)
	caps := "-all,+bpf,+perfmon,+syslog"
	out, err := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps="+caps, "--ambient-caps="+caps,
		dir+"/pathlight-probe", "run", "--no-stdin", "--ttl", "1s", "--stats").Output()
	if err != nil {
		t.Fatalf("agent as nobody with %s: %v\n%s", caps, err, out)
	}
	var hello map[string]any
	_ = json.Unmarshal([]byte(strings.SplitN(string(out), "\n", 2)[0]), &hello)
	f, _ := hello["features"].(map[string]any)
	if hello["type"] != "hello" || f["kallsyms"] != true || f["bpfStats"] != false {
		t.Fatalf("hello as nobody: %v", hello)
	}
	for _, p := range hello["probes"].([]any) {
		if m := p.(map[string]any); m["state"] != "attached" {
			t.Errorf("probe %v not attached with %s", m, caps)
		}
	}
}

// hold is a probe pod's main process: it ends at its duration or on SIGTERM, and refuses a
// missing or bad duration.
func TestHold(t *testing.T) {
	start := time.Now()
	if out, err := exec.Command(agentPath(t), "hold", "300ms").CombinedOutput(); err != nil {
		t.Fatalf("hold 300ms: %v %s", err, out)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Errorf("hold 300ms took %v", d)
	}
	cmd := exec.Command(agentPath(t), "hold", "1h")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("hold after SIGTERM: %v (want exit 0)", err)
		}
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("hold did not end on SIGTERM")
	}
	for _, args := range [][]string{{"hold"}, {"hold", "soon"}, {"hold", "-1s"}} {
		out, err := exec.Command(agentPath(t), args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "hold") {
			t.Errorf("%v: %v %s (want exit 2 with a message)", args, err, out)
		}
	}
}
