package kernel_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The rules probe's tests. Its table and the rules it names live in the ruleset of the
// namespace the agent runs in, so here the agent runs inside the test's destination
// namespace (ip netns exec, which execs: the agent keeps the pid the test sees), and the
// firewall rules under test are added there, never on the host.

// startAgentIn starts the agent inside a test namespace.
func startAgentIn(t *testing.T, ns netns, args ...string) *Agent {
	t.Helper()
	return startAgentCmd(t, append([]string{"ip", "netns", "exec", ns.name, agentPath(t), "run", "--stats-interval", "200ms"}, args...))
}

// traceTables lists the agent trace tables (inet pathlight_trace_<pid>) in a namespace.
func traceTables(t *testing.T, ns netns) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(run(t, "ip", "netns", "exec", ns.name, "nft", "list", "tables"), "\n") {
		if f := strings.Fields(l); len(f) == 3 && strings.HasPrefix(f[2], "pathlight_trace_") {
			out = append(out, f[1]+" "+f[2])
		}
	}
	return out
}

// ruleset is `nft -s list ruleset` (without counters, which traffic changes) minus the
// agent's own tables.
func ruleset(t *testing.T, ns netns) string {
	t.Helper()
	var out []string
	skip := false
	for _, l := range strings.Split(run(t, "ip", "netns", "exec", ns.name, "nft", "-s", "list", "ruleset"), "\n") {
		if strings.HasPrefix(l, "table inet pathlight_trace_") {
			skip = true
		}
		if !skip {
			out = append(out, l)
		}
		if skip && l == "}" {
			skip = false
		}
	}
	return strings.Join(out, "\n")
}

var nftHandleRe = regexp.MustCompile(`# handle (\d+)$`)

// nftHandle is the handle nft -a shows for the rule of a chain whose text contains what.
func nftHandle(t *testing.T, ns netns, family, table, chain, what string) float64 {
	t.Helper()
	for _, l := range strings.Split(run(t, "ip", "netns", "exec", ns.name, "nft", "-a", "list", "chain", family, table, chain), "\n") {
		if m := nftHandleRe.FindStringSubmatch(strings.TrimSpace(l)); m != nil && strings.Contains(l, what) {
			h, _ := strconv.Atoi(m[1])
			return float64(h)
		}
	}
	t.Fatalf("no rule with %q in %s %s %s", what, family, table, chain)
	return 0
}

func requireNft(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("nft"); err != nil {
		t.Fatal("nft is not installed (native/setup.sh installs nftables)")
	}
}

// An iptables-nft DROP, an iptables-nft REJECT and a native nftables drop in the
// destination namespace: each packet they stop is named by a rule line with the table,
// chain, handle, position and text of the rule (iptables-save syntax with its comment for
// the iptables rules), tied to the drop line of the same packet; the ruleset is the same
// before, during (apart from the agent's table) and after the run.
func TestRulesNameTheDroppingRule(t *testing.T) {
	requireRoot(t)
	requireNft(t)
	a, b := pair(t, 95)
	run(t, "ip", "netns", "exec", b.name, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "9", "-m", "comment", "--comment", "pathlight test drop", "-j", "DROP")
	run(t, "ip", "netns", "exec", b.name, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "10", "-j", "REJECT", "--reject-with", "tcp-reset")
	run(t, "ip", "netns", "exec", b.name, "nft", "add table inet plt; add chain inet plt in { type filter hook input priority 0; policy accept; }; add rule inet plt in tcp dport 11 drop comment \"native drop\"")
	run(t, "ip", "netns", "exec", a.name, "sysctl", "-qw", "net.ipv4.tcp_syn_retries=1")
	before := ruleset(t, b)

	ag := startAgentIn(t, b, "--probes", "drops,rules", "--cidr", a.ip)
	hello := ag.find(is("hello"))
	if !strings.Contains(fmt.Sprint(hello["probes"]), "name:rules state:attached") {
		t.Fatalf("rules probe not attached: %v", hello["probes"])
	}
	if tables := traceTables(t, b); len(tables) != 1 {
		t.Fatalf("trace tables while the agent runs: %v (want its one)", tables)
	}
	if during := ruleset(t, b); during != before {
		t.Errorf("the node's ruleset changed while the agent runs:\nbefore:\n%s\nduring:\n%s", before, during)
	}

	if out := inNetns(t, a, "dial", b.ip+":9,2s"); !strings.Contains(out, "timeout") {
		t.Fatalf("client of the dropped port: %s", out)
	}
	if out := inNetns(t, a, "dial", b.ip+":10"); !strings.Contains(out, "refused") {
		t.Fatalf("client of the rejected port: %s", out)
	}
	if out := inNetns(t, a, "dial", b.ip+":11,2s"); !strings.Contains(out, "timeout") {
		t.Fatalf("client of the nft-dropped port: %s", out)
	}

	cases := []struct {
		port                                    int
		family, table, chain, handleOf, verdict string
		text, comment, syntax                   string
		position                                int
	}{
		{9, "ip", "filter", "INPUT", "dport 9", "drop", `-A INPUT -p tcp -m tcp --dport 9 -m comment --comment "pathlight test drop" -j DROP`, "pathlight test drop", "iptables", 1},
		{10, "ip", "filter", "INPUT", "dport 10", "reject", `-A INPUT -p tcp -m tcp --dport 10 -j REJECT --reject-with tcp-reset`, "", "iptables", 2},
		{11, "inet", "plt", "in", "dport 11", "drop", `tcp dport 11 drop comment "native drop"`, "native drop", "nft", 1},
	}
	for _, c := range cases {
		r := ag.mustSee(fmt.Sprintf("the rule dropping port %d", c.port), is("rule", "dport", c.port, "src", a.ip, "dst", b.ip))
		want := map[string]any{
			"tableFamily": c.family, "table": c.table, "chain": c.chain, "verdict": c.verdict, "text": c.text,
			"comment": c.comment, "syntax": c.syntax, "proto": "tcp",
		}
		for k, v := range want {
			if got := str(r, k); got != v {
				t.Errorf("port %d: rule %s = %q, want %q (line %v)", c.port, k, got, v, r)
			}
		}
		if h := nftHandle(t, b, c.family, c.table, c.chain, c.handleOf); num(r, "handle") != h {
			t.Errorf("port %d: handle %v, nft -a says %v", c.port, r["handle"], h)
		}
		if num(r, "position") != float64(c.position) || uint32(num(r, "netns")) != b.inode {
			t.Errorf("port %d: position %v netns %v, want %d and %d", c.port, r["position"], r["netns"], c.position, b.inode)
		}
		// The drop line of the same packet: same namespace and 5-tuple, within a second.
		d := ag.mustSee(fmt.Sprintf("the drop of port %d", c.port), is("drop", "reason", "NETFILTER_DROP", "dport", c.port, "sport", int(num(r, "sport"))))
		if uint32(num(d, "netns")) != b.inode || absf(num(d, "ts")-num(r, "ts")) > 1e9 {
			t.Errorf("port %d: drop %v does not pair with rule %v", c.port, d, r)
		}
	}
	ag.stop()
	if tables := traceTables(t, b); len(tables) != 0 {
		t.Errorf("trace tables left after the agent stopped: %v", tables)
	}
	if after := ruleset(t, b); after != before {
		t.Errorf("the node's ruleset changed after the run:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	bye := ag.find(is("bye"))
	if p, _ := bye["probes"].(map[string]any); p == nil || num(p["rules"].(map[string]any), "events") < 3 {
		t.Errorf("bye counts no rule events: %v", bye)
	}
}

func absf(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// Only packets inside the filters are traced and reported: a drop of other traffic by the
// same kind of rule gives no rule line, until a filters line takes it in.
func TestRulesOnlyWithinFilters(t *testing.T) {
	requireRoot(t)
	requireNft(t)
	a, b := pair(t, 96)
	run(t, "ip", "netns", "exec", b.name, "iptables", "-A", "INPUT", "-p", "tcp", "-m", "multiport", "--dports", "9,12", "-j", "REJECT", "--reject-with", "tcp-reset")
	ag := startAgentIn(t, b, "--probes", "rules", "--port", "12")
	inNetns(t, a, "dial", b.ip+":9")
	inNetns(t, a, "dial", b.ip+":12")
	ag.mustSee("the rule rejecting port 12", is("rule", "dport", 12, "verdict", "reject"))
	time.Sleep(300 * time.Millisecond)
	if r := ag.find(is("rule", "dport", 9)); r != nil {
		t.Errorf("a rule line for port 9, outside the filters: %v", r)
	}
	// A filters line re-scopes the trace chains: now port 9 is traced.
	ag.send(map[string]any{"type": "filters", "port": []int{9}})
	ag.mustSee("the new filters acknowledged", is("filters"))
	inNetns(t, a, "dial", b.ip+":9")
	ag.mustSee("the rule rejecting port 9 after the filters line", is("rule", "dport", 9, "verdict", "reject"))
	if tables := traceTables(t, b); len(tables) != 1 {
		t.Errorf("trace tables after the filters line: %v", tables)
	}
	ag.stop()
}

// However the agent stops, its table goes; a table left by a SIGKILLed agent is removed by
// the next agent that starts in the namespace.
func TestRulesTableRemoved(t *testing.T) {
	requireRoot(t)
	requireNft(t)
	_, b := pair(t, 97)
	cases := []struct {
		name string
		args []string
		stop func(a *Agent)
	}{
		{"stdin closed", nil, func(a *Agent) { a.stop() }},
		{"ttl", []string{"--ttl", "1s"}, func(a *Agent) { a.wait(10 * time.Second) }},
		{"SIGTERM", nil, func(a *Agent) { _ = a.cmd.Process.Signal(syscall.SIGTERM); a.wait(10 * time.Second) }},
		{"stop line", nil, func(a *Agent) { a.send(map[string]string{"type": "stop"}); a.wait(10 * time.Second) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ag := startAgentIn(t, b, append([]string{"--probes", "rules"}, c.args...)...)
			if len(traceTables(t, b)) != 1 {
				t.Fatal("no trace table while the agent runs: the check below would prove nothing")
			}
			c.stop(ag)
			if left := traceTables(t, b); len(left) != 0 {
				t.Errorf("left after %s: %v", c.name, left)
			}
		})
	}
	t.Run("SIGKILL, then the next start", func(t *testing.T) {
		ag := startAgentIn(t, b, "--probes", "rules")
		killed := fmt.Sprintf("inet pathlight_trace_%d", ag.cmd.Process.Pid)
		if tables := traceTables(t, b); len(tables) != 1 || tables[0] != killed {
			t.Fatalf("trace tables %v, want %s", tables, killed)
		}
		_ = ag.cmd.Process.Kill()
		ag.wait(10 * time.Second)
		if tables := traceTables(t, b); len(tables) != 1 {
			t.Fatalf("after SIGKILL: %v (the kill leaves the table: nothing to clean otherwise)", tables)
		}
		next := startAgentIn(t, b, "--probes", "rules")
		mine := fmt.Sprintf("inet pathlight_trace_%d", next.cmd.Process.Pid)
		if tables := traceTables(t, b); len(tables) != 1 || tables[0] != mine {
			t.Errorf("after the next start: %v, want only %s", tables, mine)
		}
		next.stop()
		if left := traceTables(t, b); len(left) != 0 {
			t.Errorf("left after the next agent stopped: %v", left)
		}
	})
}

// A packet the filters match only after DNAT (a Service's cluster IP becomes the pod's
// address in nat prerouting) is still traced: the agent also marks packets in input and
// forward, after DNAT and before every filter table.
func TestRulesAfterDNAT(t *testing.T) {
	requireRoot(t)
	requireNft(t)
	a, b := pair(t, 98)
	run(t, "ip", "netns", "exec", b.name, "iptables", "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "--dport", "13", "-j", "DNAT", "--to-destination", b.ip+":14")
	run(t, "ip", "netns", "exec", b.name, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "14", "-m", "comment", "--comment", "after dnat", "-j", "REJECT", "--reject-with", "tcp-reset")
	ag := startAgentIn(t, b, "--probes", "rules", "--port", "14")
	if out := inNetns(t, a, "dial", b.ip+":13"); !strings.Contains(out, "refused") {
		t.Fatalf("client: %s", out)
	}
	r := ag.mustSee("the rule rejecting the translated packet", is("rule", "dport", 14, "verdict", "reject"))
	if str(r, "comment") != "after dnat" || str(r, "chain") != "INPUT" {
		t.Errorf("rule line: %v", r)
	}
	ag.stop()
}

// A base chain whose policy drops (a host firewall's default) is named as that chain's policy.
func TestRulesChainPolicyDrop(t *testing.T) {
	requireRoot(t)
	requireNft(t)
	a, b := pair(t, 99)
	run(t, "ip", "netns", "exec", b.name, "nft", "add table inet hostfw; add chain inet hostfw in { type filter hook input priority 0; policy drop; }; add rule inet hostfw in tcp dport 22 accept")
	run(t, "ip", "netns", "exec", a.name, "sysctl", "-qw", "net.ipv4.tcp_syn_retries=1")
	ag := startAgentIn(t, b, "--probes", "rules", "--port", "15")
	inNetns(t, a, "dial", b.ip+":15,2s")
	r := ag.mustSee("the policy drop", is("rule", "dport", 15, "table", "hostfw"))
	if r["policy"] != true || str(r, "verdict") != "drop" || str(r, "chain") != "in" || num(r, "handle") != 0 || str(r, "text") != "policy drop" {
		t.Errorf("rule line: %v", r)
	}
	ag.stop()
}

// On a node without nft and iptables-nft-save (a probe pod's busybox) the rule is written from
// its expressions, comment included.
func TestRulesTextWithoutTools(t *testing.T) {
	requireRoot(t)
	requireNft(t)
	a, b := pair(t, 100)
	run(t, "ip", "netns", "exec", b.name, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "16", "-m", "comment", "--comment", "no tools", "-j", "REJECT", "--reject-with", "tcp-reset")
	ag := startAgentCmd(t, []string{"ip", "netns", "exec", b.name, "env", "PATH=/nonexistent", agentPath(t), "run", "--probes", "rules", "--port", "16"})
	inNetns(t, a, "dial", b.ip+":16")
	r := ag.mustSee("the rule", is("rule", "dport", 16))
	if str(r, "syntax") != "agent" || str(r, "comment") != "no tools" || str(r, "verdict") != "reject" ||
		!strings.Contains(str(r, "text"), `th dport 16`) || !strings.Contains(str(r, "text"), `xt target REJECT comment "no tools"`) {
		t.Errorf("rule line: %v", r)
	}
	ag.stop()
}

// IPv6: an ip6tables-nft REJECT is named from the ip6 filter table, with ip6tables-save's text.
func TestRulesIPv6(t *testing.T) {
	requireRoot(t)
	requireNft(t)
	a, b := pair(t, 101)
	id := strings.TrimSuffix(a.name, "a")
	run(t, "ip", "-n", a.name, "-6", "addr", "add", "fd77::1/64", "dev", "va"+id, "nodad")
	run(t, "ip", "-n", b.name, "-6", "addr", "add", "fd77::2/64", "dev", "vb"+id, "nodad")
	run(t, "ip", "netns", "exec", b.name, "ip6tables", "-A", "INPUT", "-p", "tcp", "--dport", "17", "-m", "comment", "--comment", "v6 reject", "-j", "REJECT", "--reject-with", "tcp-reset")
	ag := startAgentIn(t, b, "--probes", "rules", "--cidr", "fd77::1")
	if out := inNetns(t, a, "dial", "[fd77::2]:17"); !strings.Contains(out, "refused") {
		t.Fatalf("client: %s", out)
	}
	r := ag.mustSee("the ip6 rule", is("rule", "dport", 17, "src", "fd77::1", "dst", "fd77::2"))
	if num(r, "family") != 6 || str(r, "tableFamily") != "ip6" || str(r, "verdict") != "reject" || str(r, "comment") != "v6 reject" ||
		str(r, "text") != `-A INPUT -p tcp -m tcp --dport 17 -m comment --comment "v6 reject" -j REJECT --reject-with tcp-reset` {
		t.Errorf("rule line: %v", r)
	}
	ag.stop()
}

// Without CAP_NET_ADMIN (a probe pod with only CAP_BPF/PERFMON/SYSLOG) the rules probe is
// unavailable and says what it needs; the other probes run. With it, it attaches.
func TestRulesPrivilege(t *testing.T) {
	requireRoot(t)
	requireNft(t)
	_, b := pair(t, 102)
	dir := agentCopyForOthers(t)
	hello := func(caps string) map[string]any {
		out, err := exec.Command("ip", "netns", "exec", b.name, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps="+caps, "--ambient-caps="+caps,
			dir+"/pathlight-probe", "run", "--no-stdin", "--ttl", "1s", "--probes", "drops,rules").Output()
		if err != nil {
			t.Fatalf("agent as nobody with %s: %v\n%s", caps, err, out)
		}
		var h map[string]any
		_ = json.Unmarshal([]byte(strings.SplitN(string(out), "\n", 2)[0]), &h)
		return h
	}
	states := func(h map[string]any) map[string]string {
		m := map[string]string{}
		for _, p := range h["probes"].([]any) {
			p := p.(map[string]any)
			m[str(p, "name")] = str(p, "state") + " " + str(p, "detail")
		}
		return m
	}
	without := states(hello("-all,+bpf,+perfmon,+syslog"))
	if !strings.HasPrefix(without["drops"], "attached") || !strings.HasPrefix(without["rules"], "unavailable") || !strings.Contains(without["rules"], "CAP_NET_ADMIN") {
		t.Errorf("without CAP_NET_ADMIN: %v", without)
	}
	with := states(hello("-all,+bpf,+perfmon,+syslog,+net_admin"))
	if !strings.HasPrefix(with["rules"], "attached") {
		t.Errorf("with CAP_NET_ADMIN: %v", with)
	}
	if tables := traceTables(t, b); len(tables) != 0 {
		t.Errorf("tables left: %v", tables)
	}
}
