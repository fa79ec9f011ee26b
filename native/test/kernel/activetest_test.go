package kernel_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runTest sends a test control line and returns the test lines with its id, the done
// line last.
func (a *Agent) runTest(req map[string]any) []map[string]any {
	a.t.Helper()
	req["type"] = "test"
	a.send(req)
	id := req["id"].(string)
	deadline := 20 * time.Second
	if a.waitFor(is("test", "id", id, "phase", "done"), deadline) == nil {
		lines := a.rawLines()
		a.t.Fatalf("test %s never ended within %s; the agent wrote:\n%s", id, deadline, strings.Join(lines[max(0, len(lines)-40):], "\n"))
	}
	return a.all(is("test", "id", id))
}

func phase(lines []map[string]any, p string) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		if str(l, "phase") == p {
			out = append(out, l)
		}
	}
	return out
}

func only(t *testing.T, lines []map[string]any, p string) map[string]any {
	t.Helper()
	got := phase(lines, p)
	if len(got) != 1 {
		t.Fatalf("%d %s lines, want 1: %v", len(got), p, lines)
	}
	return got[0]
}

// holdNetns starts a process in the namespace whose /etc/resolv.conf is conf (bind-mounted
// in a mount namespace of its own, as a container runtime gives a pod its resolv.conf): the
// agent finds the namespace through /proc/PID/ns/net and the resolver configuration
// through /proc/PID/root/etc/resolv.conf. It returns the process id.
func holdNetns(t *testing.T, ns netns, conf string) int {
	t.Helper()
	file := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	// ip netns exec and unshare both exec, so the process ends up as sleep, same pid.
	cmd := exec.Command("ip", "netns", "exec", ns.name, "unshare", "--mount", "--propagation", "private",
		"sh", "-c", fmt.Sprintf("mount --bind %s /etc/resolv.conf && exec sleep 600", file))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	seen := fmt.Sprintf("/proc/%d/root/etc/resolv.conf", cmd.Process.Pid)
	for i := 0; i < 100; i++ {
		if b, err := os.ReadFile(seen); err == nil && string(b) == conf {
			return cmd.Process.Pid
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never showed the test's resolv.conf", seen)
	return 0
}

// An active test, end to end on the real kernel: a "client" namespace (a pod) with its own
// resolv.conf, a "server" namespace with dnsmasq, a TCP listener, a UDP echo server and an
// iptables DROP. The agent finds the client's namespace from its address, resolves through
// the client's search list, connects, and its probes see the traffic it generated.
func TestActiveTest(t *testing.T) {
	requireRoot(t)
	client, server := pair(t, 89)
	startDnsmasq(t, server, "backend.pathlight.test,"+server.ip)
	startInNetns(t, server, "listen", server.ip+":8080")
	startInNetns(t, server, "udpecho", server.ip+":7777")
	run(t, "ip", "netns", "exec", server.name, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "9", "-j", "DROP")
	pid := holdNetns(t, client, fmt.Sprintf("# the pod's resolver\nsearch pathlight.test\nnameserver %s\noptions ndots:2 timeout:2\n", server.ip))
	ag := startAgent(t, "--netns", nsFilter(client, server))
	testPort := 0

	t.Run("resolve through the search list and connect", func(t *testing.T) {
		lines := ag.runTest(map[string]any{"id": "ok", "fromIp": client.ip, "resolve": "backend", "connect": "backend:8080", "proto": "tcp", "timeoutMs": 3000})
		ns := only(t, lines, "netns")
		search, _ := json.Marshal(ns["search"])
		servers, _ := json.Marshal(ns["nameservers"])
		if uint32(num(ns, "netns")) != client.inode || int(num(ns, "pid")) != pid || str(ns, "resolvConf") != fmt.Sprintf("/proc/%d/root/etc/resolv.conf", pid) ||
			string(search) != `["pathlight.test"]` || string(servers) != fmt.Sprintf(`["%s:53"]`, server.ip) || num(ns, "ndots") != 2 {
			t.Errorf("netns line: %v (want netns %d, pid %d and its resolv.conf)", ns, client.inode, pid)
		}
		q := only(t, lines, "dns")
		answers, _ := json.Marshal(q["answers"])
		if str(q, "name") != "backend.pathlight.test." || str(q, "qtype") != "A" || str(q, "rcode") != "NOERROR" || str(q, "server") != server.ip+":53" ||
			!strings.Contains(string(answers), `"data":"`+server.ip+`"`) || num(q, "latencyNs") <= 0 {
			t.Errorf("dns line: %v", q)
		}
		c := only(t, lines, "connect")
		if str(c, "outcome") != "established" || str(c, "target") != server.ip+":8080" || str(c, "proto") != "tcp" || str(c, "error") != "" {
			t.Errorf("connect line: %v", c)
		}
		d := only(t, lines, "done")
		if str(d, "outcome") != "ok" || fmt.Sprint(d["addresses"]) != fmt.Sprintf("[%s]", server.ip) || uint32(num(d, "netns")) != client.inode {
			t.Errorf("done line: %v", d)
		}
		// What the probes saw: the query and its answer inside the client's namespace, and
		// the client side of the connection.
		pq := ag.mustSee("the generated query", is("dns", "qr", "query", "qname", "backend.pathlight.test.", "src", client.ip, "dir", "egress"))
		pr := ag.mustSee("its response", is("dns", "qr", "response", "qname", "backend.pathlight.test.", "dst", client.ip, "dir", "ingress"))
		if uint32(num(pq, "netns")) != client.inode || uint32(num(pr, "netns")) != client.inode || str(pr, "rcode") != "NOERROR" {
			t.Errorf("dns probe: query %v response %v (want both in netns %d)", pq, pr, client.inode)
		}
		est := ag.mustSee("the generated connection", is("tcp", "event", "established", "role", "client", "src", client.ip, "dport", 8080))
		if uint32(num(est, "netns")) != client.inode {
			t.Errorf("tcp probe: %v (want netns %d)", est, client.inode)
		}
		testPort = int(num(est, "sport"))
	})

	t.Run("a name that does not exist", func(t *testing.T) {
		lines := ag.runTest(map[string]any{"id": "nx", "fromIp": client.ip, "resolve": "missing"})
		first := phase(lines, "dns")
		if len(first) == 0 || str(first[0], "name") != "missing.pathlight.test." || str(first[0], "rcode") != "NXDOMAIN" {
			t.Fatalf("dns lines: %v (want NXDOMAIN for missing.pathlight.test. first)", first)
		}
		// The search list is followed to the end: the bare name comes last.
		if str(first[len(first)-1], "name") != "missing." {
			t.Errorf("last query %v, want the bare name missing.", first[len(first)-1])
		}
		d := only(t, lines, "done")
		if str(d, "outcome") != "failed" || !strings.Contains(str(d, "error"), "has no address") {
			t.Errorf("done line: %v", d)
		}
		ag.mustSee("the NXDOMAIN the probe saw", is("dns", "qr", "response", "qname", "missing.pathlight.test.", "rcode", "NXDOMAIN", "dst", client.ip))
	})

	t.Run("a closed port refuses", func(t *testing.T) {
		lines := ag.runTest(map[string]any{"id": "refused", "fromIp": client.ip, "connect": server.ip + ":7"})
		c := only(t, lines, "connect")
		if str(c, "outcome") != "refused" || str(c, "errno") != "ECONNREFUSED" || !strings.Contains(str(c, "error"), "refused the connection") {
			t.Errorf("connect line: %v", c)
		}
		if d := only(t, lines, "done"); str(d, "outcome") != "failed" || str(d, "error") != str(c, "error") {
			t.Errorf("done line: %v", d)
		}
		r := ag.mustSee("the refusal", is("tcp", "event", "refused", "src", client.ip, "dst", server.ip, "dport", 7))
		if uint32(num(r, "netns")) != client.inode {
			t.Errorf("tcp probe: %v", r)
		}
		ag.mustSee("the server's NO_SOCKET drop", is("drop", "reason", "NO_SOCKET", "src", client.ip, "dport", 7))
	})

	t.Run("a firewalled port times out", func(t *testing.T) {
		start := time.Now()
		lines := ag.runTest(map[string]any{"id": "timeout", "fromIp": client.ip, "connect": server.ip + ":9", "timeoutMs": 1500})
		c := only(t, lines, "connect")
		if str(c, "outcome") != "timeout" || str(c, "errno") != "ETIMEDOUT" || !strings.Contains(str(c, "error"), "within 1.5s") {
			t.Errorf("connect line: %v", c)
		}
		if took := time.Since(start); took < 1500*time.Millisecond || took > 6*time.Second {
			t.Errorf("the test took %v with timeoutMs 1500", took)
		}
		d := ag.mustSee("the SYN dropped by iptables", is("drop", "reason", "NETFILTER_DROP", "src", client.ip, "dst", server.ip, "dport", 9))
		if uint32(num(d, "netns")) != server.inode {
			t.Errorf("drop: %v (want netns %d)", d, server.inode)
		}
	})

	t.Run("udp: a reply, and a closed port", func(t *testing.T) {
		// Both at once: tests run concurrently, each on its own thread in the namespace.
		ag.send(map[string]any{"type": "test", "id": "udp-ok", "fromIp": client.ip, "connect": server.ip + ":7777", "proto": "udp", "timeoutMs": 2000})
		closed := ag.runTest(map[string]any{"id": "udp-closed", "fromIp": client.ip, "connect": server.ip + ":7778", "proto": "udp", "timeoutMs": 2000})
		replied := ag.runTest(map[string]any{"id": "udp-ok2", "fromIp": client.ip, "connect": server.ip + ":7777", "proto": "udp", "timeoutMs": 2000})
		if c := only(t, replied, "connect"); str(c, "outcome") != "replied" || str(c, "proto") != "udp" {
			t.Errorf("udp to the echo server: %v", c)
		}
		if c := ag.waitFor(is("test", "id", "udp-ok", "phase", "connect"), 5*time.Second); c == nil || str(c, "outcome") != "replied" {
			t.Errorf("the concurrent udp test: %v", c)
		}
		if c := only(t, closed, "connect"); str(c, "outcome") != "refused" || str(c, "errno") != "ECONNREFUSED" {
			t.Errorf("udp to a closed port: %v", c)
		}
		ag.mustSee("the datagram to the closed port dropped", is("drop", "src", client.ip, "dport", 7778, "proto", "udp"))
	})

	t.Run("an address no namespace has", func(t *testing.T) {
		lines := ag.runTest(map[string]any{"id": "nowhere", "fromIp": "10.89.0.77", "connect": server.ip + ":8080"})
		if ns := only(t, lines, "netns"); str(ns, "outcome") != "error" || num(ns, "netns") != 0 {
			t.Errorf("netns line: %v", ns)
		}
		d := only(t, lines, "done")
		// Where some process's namespace cannot be opened even as root (a VM's special init),
		// the sentence says so too.
		if e := str(d, "error"); str(d, "outcome") != "error" || !strings.HasPrefix(e, "no network namespace ") || !strings.Contains(e, "has 10.89.0.77") || !strings.Contains(e, "is the pod on this node (and running)?") {
			t.Errorf("done line: %v", d)
		}
		if len(phase(lines, "connect")) != 0 {
			t.Errorf("a connection was attempted from nowhere: %v", lines)
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		if d := only(t, ag.runTest(map[string]any{"id": "bad", "fromIp": client.ip, "connect": "backend"}), "done"); str(d, "outcome") != "error" || !strings.Contains(str(d, "error"), "want HOST:PORT") {
			t.Errorf("done line: %v", d)
		}
		ag.send(map[string]any{"type": "test", "fromIp": client.ip})
		if e := ag.mustSee("a bad-control error", is("error", "code", "bad-control")); !strings.Contains(str(e, "message"), "id") {
			t.Errorf("error: %v", e)
		}
	})
	ag.stop()
	// The test closes with a FIN after reading the server's greeting: no reset of its own
	// making for a diagnosis to misread.
	resetOfTest := func(m map[string]any) bool {
		return is("tcp", "event", "reset")(m) && (int(num(m, "sport")) == testPort || int(num(m, "dport")) == testPort)
	}
	if r := ag.all(resetOfTest); testPort == 0 || len(r) > 0 {
		t.Errorf("the test's connection (port %d) was reset: %v", testPort, r)
	}
	if bye := ag.find(is("bye")); bye == nil || str(bye, "reason") != "stdin-closed" {
		t.Errorf("bye: %v", bye)
	}
}

// Entering a pod's namespace needs CAP_SYS_ADMIN, and opening it CAP_SYS_PTRACE (the
// namespace belongs to processes of another user): an agent running as nobody with only the
// probes' capabilities says which is missing in the test's done line.
func TestActiveTestNeedsSysAdmin(t *testing.T) {
	requireRoot(t)
	client, _ := pair(t, 88)
	holdNetns(t, client, "nameserver 10.88.0.2\n")
	dir := agentCopyForOthers(t)
	cases := map[string]string{
		"-all,+bpf,+perfmon,+sys_ptrace": "entering a network namespace needs CAP_SYS_ADMIN",
		"-all,+bpf,+perfmon":             "CAP_SYS_PTRACE",
	}
	for caps, want := range cases {
		done, seen := testAs(t, dir+"/pathlight-probe", caps, client.ip)
		if done == nil || str(done, "outcome") != "error" || !strings.Contains(str(done, "error"), want) || !strings.Contains(str(done, "error"), "run the agent as root") {
			t.Errorf("with %s: done line %v, want an error containing %q; the agent wrote:\n%s", caps, done, want, strings.Join(seen, "\n"))
		}
	}
}

// testAs runs the agent as nobody with caps, sends one test from fromIP, and returns its
// done line and everything the agent wrote until then.
func testAs(t *testing.T, agent, caps, fromIP string) (map[string]any, []string) {
	t.Helper()
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps="+caps, "--ambient-caps="+caps,
		agent, "run", "--probes", "tcp", "--ttl", "30s")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	fmt.Fprintf(stdin, `{"type":"test","id":"caps","fromIp":"%s","connect":"10.88.0.2:80"}`+"\n", fromIP)
	var seen []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		seen = append(seen, sc.Text())
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && is("test", "id", "caps", "phase", "done")(m) {
			stdin.Close()
			return m, seen
		}
	}
	return nil, seen
}
