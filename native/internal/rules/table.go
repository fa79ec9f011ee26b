package rules

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"pathlight.dev/native/internal/filter"
)

// TablePrefix starts the name of the agent's own table, inet pathlight_trace_<pid>. The pid
// is how the next agent tells a table left by a killed agent (pid gone) from one of an agent
// still running.
const TablePrefix = "pathlight_trace_"

// tracePriority puts the agent's chains before every other netfilter hook that could drop a
// packet: raw is -300 (iptables' raw table, Calico's and kube-router's raw chains), conntrack
// -200. Only connection-tracking defragmentation (-400) runs earlier.
const tracePriority = -350

// maxTraceRules bounds the rules the filters expand to (cidr × direction × proto × port ×
// direction); beyond it the port condition is left to the agent, which checks every traced
// packet against the filters again.
const maxTraceRules = 512

// TableName is this process's trace table.
func TableName() string { return TablePrefix + strconv.Itoa(os.Getpid()) }

// ownerAlive reports whether the pid in a trace table's name is a running agent.
func ownerAlive(name string) bool {
	pid, err := strconv.Atoi(strings.TrimPrefix(name, TablePrefix))
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return err == nil && strings.TrimSpace(string(comm)) == "pathlight-probe"
}

// RemoveStale deletes the trace tables of agents that are no longer running (a SIGKILLed
// agent cannot remove its own). It returns the names removed.
func RemoveStale(conn *nftables.Conn) ([]string, error) {
	tables, err := conn.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, t := range tables {
		if strings.HasPrefix(t.Name, TablePrefix) && !ownerAlive(t.Name) {
			conn.DelTable(t)
			removed = append(removed, t.Name)
		}
	}
	if len(removed) == 0 {
		return nil, nil
	}
	return removed, conn.Flush()
}

// traceChains are the agent's chains. A packet to a Service is matched by its address
// after DNAT too: kube-proxy's DNAT (nat prerouting and output, -100) turns the cluster IP
// into the pod's before the filter tables see it, so the pod address in the filters must
// also be looked for in input and forward (-350, before every filter table) and in output
// after DNAT (-99). The trace bit stays set once set.
var traceChains = []struct {
	name     string
	num      *nftables.ChainHook
	priority int32
}{
	{"prerouting", nftables.ChainHookPrerouting, tracePriority},
	{"input", nftables.ChainHookInput, tracePriority},
	{"forward", nftables.ChainHookForward, tracePriority},
	{"output", nftables.ChainHookOutput, tracePriority},
	{"output_dnat", nftables.ChainHookOutput, -99},
}

// entryChain: the first chain of the agent a packet meets (prerouting when it arrives,
// output when the node sends it), where the kernel's trace of a new packet starts.
func entryChain(chain string) bool { return chain == "prerouting" || chain == "output" }

// install creates (or replaces the chains of) the trace table: chains (traceChains) that set nftrace on the packets the filters match. Both chains accept everything:
// setting nftrace is the table's only effect on a packet, so no verdict of the node's own
// rules changes.
func install(conn *nftables.Conn, name string, f filter.Set, replace bool) error {
	t := &nftables.Table{Name: name, Family: nftables.TableFamilyINet}
	if replace {
		conn.DelTable(t)
	}
	conn.AddTable(t)
	accept := nftables.ChainPolicyAccept
	for _, hook := range traceChains {
		prio := nftables.ChainPriority(hook.priority)
		c := conn.AddChain(&nftables.Chain{
			Name: hook.name, Table: t, Type: nftables.ChainTypeFilter,
			Hooknum: hook.num, Priority: &prio, Policy: &accept,
		})
		for _, match := range traceMatches(f) {
			exprs := append(match, setNftrace()...)
			conn.AddRule(&nftables.Rule{Table: t, Chain: c, Exprs: exprs})
		}
	}
	return conn.Flush()
}

// removeTable deletes the agent's table; a table already gone is not an error.
func removeTable(conn *nftables.Conn, name string) error {
	conn.DelTable(&nftables.Table{Name: name, Family: nftables.TableFamilyINet})
	err := conn.Flush()
	if errors.Is(err, unix.ENOENT) || (err != nil && strings.Contains(err.Error(), "no such file")) {
		return nil
	}
	return err
}

// traceRate bounds the packets each trace rule marks (per second, with a burst of as many):
// every traced packet costs a netlink message per rule it meets, so a busy flow inside the
// filters would otherwise cost the node that many messages per packet (BENCHMARKS.md). The
// drops probe still sees every drop; the rules probe names the rule of at most this many
// packets per second and filter rule, plenty for connection attempts.
const traceRate = 100

func setNftrace() []expr.Any {
	return []expr.Any{
		&expr.Limit{Type: expr.LimitTypePkts, Rate: traceRate, Unit: expr.LimitTimeSecond, Burst: traceRate},
		&expr.Immediate{Register: 1, Data: []byte{1}},
		&expr.Meta{Key: expr.MetaKeyNFTRACE, SourceRegister: true, Register: 1},
	}
}

// traceMatches expands the filters into the match part of one rule per combination: the
// filters are ORed within a kind (any cidr, either end) and ANDed across kinds, as in the
// BPF probes. No filter at all traces every packet.
func traceMatches(f filter.Set) [][]expr.Any {
	addrs := [][]expr.Any{nil}
	if len(f.Prefixes) > 0 {
		addrs = nil
		for _, p := range f.Prefixes {
			addrs = append(addrs, addrMatch(p, true), addrMatch(p, false))
		}
	}
	protos := []uint8{}
	protos = append(protos, f.Protos...)
	if len(f.Ports) > 0 && len(protos) == 0 {
		protos = []uint8{unix.IPPROTO_TCP, unix.IPPROTO_UDP, unix.IPPROTO_SCTP}
	}
	protoM := [][]expr.Any{nil}
	if len(protos) > 0 {
		protoM = nil
		for _, p := range protos {
			protoM = append(protoM, []expr.Any{
				&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{p}},
			})
		}
	}
	ports := [][]expr.Any{nil}
	if len(f.Ports) > 0 && len(addrs)*len(protoM)*len(f.Ports)*2 <= maxTraceRules {
		ports = nil
		for _, p := range f.Ports {
			ports = append(ports, portMatch(p, 0), portMatch(p, 2))
		}
	}
	var out [][]expr.Any
	for _, a := range addrs {
		for _, pr := range protoM {
			for _, po := range ports {
				if po != nil && pr == nil {
					continue // ports only on tcp/udp/sctp (protoM is never empty then)
				}
				var m []expr.Any
				m = append(m, a...)
				m = append(m, pr...)
				m = append(m, po...)
				out = append(out, m)
			}
		}
	}
	return out
}

// addrMatch is `ip saddr P` / `ip daddr P` (ip6 likewise), guarded by the packet's family.
func addrMatch(p netip.Prefix, src bool) []expr.Any {
	a := p.Addr()
	fam, off, n := byte(unix.NFPROTO_IPV4), uint32(12), uint32(4)
	if a.Is6() {
		fam, off, n = unix.NFPROTO_IPV6, 8, 16
	}
	if !src {
		off += n
	}
	mask := make([]byte, n)
	for i := 0; i < p.Bits(); i++ {
		mask[i/8] |= 0x80 >> (i % 8)
	}
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{fam}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: n},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: n, Mask: mask, Xor: make([]byte, n)},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: a.AsSlice()},
	}
}

// portMatch is `th sport P` (offset 0) or `th dport P` (offset 2).
func portMatch(p uint16, off uint32) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{byte(p >> 8), byte(p)}},
	}
}

// matches checks a traced packet against the filters in user space: the table is coarser
// when the filters expand to too many rules, and a packet's later events carry no headers.
func matches(f filter.Set, p packet) bool {
	if len(f.Protos) > 0 {
		ok := false
		for _, v := range f.Protos {
			ok = ok || v == p.proto
		}
		if !ok {
			return false
		}
	}
	if len(f.Ports) > 0 {
		ok := false
		for _, v := range f.Ports {
			ok = ok || v == p.sport || v == p.dport
		}
		if !ok {
			return false
		}
	}
	if len(f.Prefixes) > 0 {
		ok := false
		for _, v := range f.Prefixes {
			ok = ok || v.Contains(p.src) || v.Contains(p.dst)
		}
		if !ok {
			return false
		}
	}
	return true
}
