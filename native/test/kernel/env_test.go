// Package kernel_test runs the real agent binary against the real kernel: network
// namespaces joined by veth, iptables rules, a real DNS server (dnsmasq), real sockets.
// All traffic stays inside namespaces the tests create. Needs root; see native/test.sh.
package kernel_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain doubles as the traffic generator: the test binary re-executes itself inside a
// namespace (ip netns exec NS <test binary>) with PLT_HELPER set.
func TestMain(m *testing.M) {
	if h := os.Getenv("PLT_HELPER"); h != "" {
		os.Exit(helper(h, os.Getenv("PLT_ARG")))
	}
	os.Exit(m.Run())
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("PATHLIGHT_KERNEL_TESTS") == "required" {
		t.Fatal("the real-kernel tests need root (network namespaces, iptables, BPF)")
	}
	t.Skip("not root: the real-kernel tests need root (native/test.sh as root runs them)")
}

func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// netns is a namespace the test created, with one veth end and an address.
type netns struct {
	name, ip string
	inode    uint32
}

var nsSeq struct {
	sync.Mutex
	n int
}

// pair creates two namespaces joined by a veth pair: a gets 10.<net>.0.1, b 10.<net>.0.2.
// Both are removed when the test ends.
func pair(t *testing.T, net int) (a, b netns) {
	t.Helper()
	nsSeq.Lock()
	nsSeq.n++
	id := fmt.Sprintf("plt%d-%d", os.Getpid()%100000, nsSeq.n)
	nsSeq.Unlock()
	a = netns{name: id + "a", ip: fmt.Sprintf("10.%d.0.1", net)}
	b = netns{name: id + "b", ip: fmt.Sprintf("10.%d.0.2", net)}
	for _, n := range []netns{a, b} {
		run(t, "ip", "netns", "add", n.name)
		name := n.name
		t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
		run(t, "ip", "-n", n.name, "link", "set", "lo", "up")
	}
	run(t, "ip", "link", "add", "va"+id, "netns", a.name, "type", "veth", "peer", "name", "vb"+id, "netns", b.name)
	for _, x := range []struct {
		n   netns
		dev string
	}{{a, "va" + id}, {b, "vb" + id}} {
		run(t, "ip", "-n", x.n.name, "addr", "add", x.n.ip+"/24", "dev", x.dev)
		run(t, "ip", "-n", x.n.name, "link", "set", x.dev, "up")
	}
	for _, p := range []*netns{&a, &b} {
		var st syscall.Stat_t
		if err := syscall.Stat("/run/netns/"+p.name, &st); err != nil {
			t.Fatal(err)
		}
		p.inode = uint32(st.Ino)
	}
	return a, b
}

// inNetns runs the test binary as a helper inside a namespace and returns its output.
func inNetns(t *testing.T, ns netns, helper, arg string) string {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns.name, os.Args[0])
	cmd.Env = append(os.Environ(), "PLT_HELPER="+helper, "PLT_ARG="+arg)
	out, _ := cmd.CombinedOutput()
	return strings.TrimSpace(string(out))
}

// startInNetns starts a long-running helper (a server), stops it at cleanup and returns its
// pid (ip netns exec runs the command in its own process).
func startInNetns(t *testing.T, ns netns, helper, arg string) int {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", ns.name, os.Args[0])
	cmd.Env = append(os.Environ(), "PLT_HELPER="+helper, "PLT_ARG="+arg)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// The helper prints "ready" once it listens.
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("helper %s %s did not start: %q", helper, arg, line)
	}
	return cmd.Process.Pid
}

// startDnsmasq runs a real DNS server for the zone pathlight.test in ns, answering the given
// host records (`name,address`), until cleanup.
func startDnsmasq(t *testing.T, ns netns, records ...string) {
	t.Helper()
	if _, err := exec.LookPath("dnsmasq"); err != nil {
		t.Fatal("dnsmasq is not installed (native/setup.sh installs dnsmasq-base)")
	}
	args := []string{"netns", "exec", ns.name, "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
		"--bind-interfaces", "--listen-address=" + ns.ip, "--except-interface=lo", "--pid-file=" + t.TempDir() + "/pid", "--user=root",
		"--local=/pathlight.test/", "--log-facility=/dev/null"}
	for _, r := range records {
		args = append(args, "--host-record="+r)
	}
	dns := exec.Command("ip", args...)
	dns.Stderr = os.Stderr
	if err := dns.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dns.Process.Kill(); _ = dns.Wait() })
	time.Sleep(300 * time.Millisecond) // dnsmasq binds before it answers
}

// agentCopyForOthers copies the agent into a world-readable temporary directory (removed at
// cleanup), so that it can run as another user (nobody) with chosen capabilities.
func agentCopyForOthers(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pathlight-probe-caps-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	_ = os.Chmod(dir, 0o755)
	bin, _ := os.ReadFile(agentPath(t))
	if err := os.WriteFile(dir+"/pathlight-probe", bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Agent is a running pathlight-probe.
type Agent struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	mu     sync.Mutex
	lines  []map[string]any
	raw    []string
	done   chan struct{}
	stderr strings.Builder
}

func agentPath(t *testing.T) string {
	p := os.Getenv("PATHLIGHT_PROBE")
	if p == "" {
		t.Fatal("PATHLIGHT_PROBE is not set: run native/test.sh (it builds the agent and sets it)")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("agent binary: %v (run native/build.sh)", err)
	}
	return p
}

// startAgent starts the agent with args after `run` and waits for its hello line.
func startAgent(t *testing.T, args ...string) *Agent {
	t.Helper()
	return startAgentCmd(t, append([]string{agentPath(t), "run", "--stats-interval", "200ms"}, args...))
}

// startAgentCmd starts the agent through the given command line (argv).
func startAgentCmd(t *testing.T, argv []string) *Agent {
	t.Helper()
	a := &Agent{t: t, done: make(chan struct{})}
	a.cmd = exec.Command(argv[0], argv[1:]...)
	a.cmd.Stderr = &a.stderr
	a.stdin, _ = a.cmd.StdinPipe()
	stdout, _ := a.cmd.StdoutPipe()
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(a.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				m = map[string]any{"type": "unparsable", "text": sc.Text()}
			}
			a.mu.Lock()
			a.lines = append(a.lines, m)
			a.raw = append(a.raw, sc.Text())
			a.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if a.cmd.ProcessState == nil {
			_ = a.cmd.Process.Kill()
			_ = a.cmd.Wait()
		}
	})
	if a.waitFor(func(m map[string]any) bool { return m["type"] == "hello" || m["type"] == "bye" }, 20*time.Second) == nil {
		t.Fatalf("no hello from the agent; stderr: %s", a.stderr.String())
	}
	if h := a.find(func(m map[string]any) bool { return m["type"] == "bye" }); h != nil {
		t.Fatalf("agent stopped at start: %s", strings.Join(a.rawLines(), "\n"))
	}
	return a
}

func (a *Agent) rawLines() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.raw...)
}

func (a *Agent) find(pred func(map[string]any) bool) map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.lines {
		if pred(m) {
			return m
		}
	}
	return nil
}

func (a *Agent) all(pred func(map[string]any) bool) []map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []map[string]any
	for _, m := range a.lines {
		if pred(m) {
			out = append(out, m)
		}
	}
	return out
}

// waitFor polls until a line matches or the timeout passes.
func (a *Agent) waitFor(pred func(map[string]any) bool, timeout time.Duration) map[string]any {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := a.find(pred); m != nil {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// mustSee waits for a matching line or fails, showing what the agent did write.
func (a *Agent) mustSee(what string, pred func(map[string]any) bool) map[string]any {
	a.t.Helper()
	m := a.waitFor(pred, 10*time.Second)
	if m == nil {
		lines := a.rawLines()
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		a.t.Fatalf("agent never reported %s; its last lines:\n%s", what, strings.Join(lines, "\n"))
	}
	return m
}

// stop closes stdin (how a transport ends a run) and waits for the agent to exit.
func (a *Agent) stop() {
	a.t.Helper()
	a.stdin.Close()
	a.wait(10 * time.Second)
}

func (a *Agent) wait(timeout time.Duration) {
	a.t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- a.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(timeout):
		_ = a.cmd.Process.Kill()
		a.t.Fatalf("agent did not exit within %s", timeout)
	}
	<-a.done
}

func (a *Agent) send(v any) {
	a.t.Helper()
	b, _ := json.Marshal(v)
	if _, err := a.stdin.Write(append(b, '\n')); err != nil {
		a.t.Fatal(err)
	}
}

// Field helpers for decoded JSON.
func str(m map[string]any, k string) string  { s, _ := m[k].(string); return s }
func num(m map[string]any, k string) float64 { f, _ := m[k].(float64); return f }

func is(typ string, kv ...any) func(map[string]any) bool {
	return func(m map[string]any) bool {
		if m["type"] != typ {
			return false
		}
		for i := 0; i+1 < len(kv); i += 2 {
			k := kv[i].(string)
			switch want := kv[i+1].(type) {
			case string:
				if str(m, k) != want {
					return false
				}
			case int:
				if num(m, k) != float64(want) {
					return false
				}
			case uint32:
				if num(m, k) != float64(want) {
					return false
				}
			}
		}
		return true
	}
}

// helper is the traffic generator side of TestMain.
func helper(kind, arg string) int {
	switch kind {
	case "dial": // arg: host:port[,timeout]
		addr, timeout := arg, 5*time.Second
		if i := strings.Index(arg, ","); i >= 0 {
			addr = arg[:i]
			timeout, _ = time.ParseDuration(arg[i+1:])
		}
		c, err := net.DialTimeout("tcp", addr, timeout)
		if err != nil {
			fmt.Println("error:", err)
			return 0
		}
		buf := make([]byte, 16)
		n, err := c.Read(buf)
		fmt.Printf("ok %q %v\n", buf[:n], err)
		c.Close()
		return 0
	case "listen": // arg: host:port[,rst]
		addr, rst := arg, strings.HasSuffix(arg, ",rst")
		addr = strings.TrimSuffix(addr, ",rst")
		l, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		fmt.Println("ready")
		for {
			c, err := l.Accept()
			if err != nil {
				return 1
			}
			if rst {
				// Linger 0: close sends RST instead of FIN (a reset mid-stream).
				_ = c.(*net.TCPConn).SetLinger(0)
			} else {
				_, _ = c.Write([]byte("hi"))
			}
			c.Close()
		}
	case "udpecho": // arg: host:port — answers every datagram with itself
		c, err := net.ListenPacket("udp", arg)
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		fmt.Println("ready")
		buf := make([]byte, 1500)
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				return 1
			}
			_, _ = c.WriteTo(buf[:n], from)
		}
	case "udpflood": // arg: host:port,count — datagrams to a port nobody listens on
		parts := strings.SplitN(arg, ",", 2)
		n, _ := strconv.Atoi(parts[1])
		// Unconnected: the ICMP port-unreachable answers do not fail later writes.
		c, err := net.ListenPacket("udp", ":0")
		dst, _ := net.ResolveUDPAddr("udp", parts[0])
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		sent := 0
		for i := 0; i < n; i++ {
			if _, err := c.WriteTo([]byte("pathlight"), dst); err == nil {
				sent++
			}
		}
		fmt.Println("sent", sent)
		return 0
	case "dns": // arg: server,name
		parts := strings.SplitN(arg, ",", 2)
		return dnsQuery(parts[0], parts[1])
	case "proc-dial", "proc-dns": // as dial and dns, after a line "pid <pid> <comm>"
		comm, _ := os.ReadFile("/proc/self/comm")
		fmt.Printf("pid %d %s\n", os.Getpid(), strings.TrimSpace(string(comm)))
		return helper(strings.TrimPrefix(kind, "proc-"), arg)
	}
	if rc, ok := httpHelper(kind, arg); ok {
		return rc
	}
	fmt.Fprintln(os.Stderr, "unknown helper", kind)
	return 2
}
