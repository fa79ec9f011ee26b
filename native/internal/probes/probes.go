package probes

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"

	"pathlight.dev/native/internal/filter"
	"pathlight.dev/native/internal/kernel"
)

// Kernel-side event layouts, generated from bpf/pathlight.h by bpf2go. Aliases give them
// readable names; the types themselves are never hand-written.
type (
	DropEvent  = dropsPlDropEvent
	TCPEvent   = tcpPlTcpEvent
	DNSEvent   = dnsPlDnsEvent
	HTTPEvent  = httpPlHttpEvent
	Proc       = dropsPlProc // the process behind a socket, in every event (probe proc)
	CgroupName = procPlCgroupName
	config     = dropsPlConfig
	addrKey    = dropsPlAddrKey
)

// TCP kinds, from enum pl_tcp_kind.
const (
	TCPEstablished   = uint32(tcpPlTcpKindPL_TCP_ESTABLISHED)
	TCPRefused       = uint32(tcpPlTcpKindPL_TCP_REFUSED)
	TCPTimeout       = uint32(tcpPlTcpKindPL_TCP_TIMEOUT)
	TCPResetReceived = uint32(tcpPlTcpKindPL_TCP_RESET_RECEIVED)
	TCPResetSent     = uint32(tcpPlTcpKindPL_TCP_RESET_SENT)
	TCPRetransmit    = uint32(tcpPlTcpKindPL_TCP_RETRANSMIT)
	TCPUnreachable   = uint32(tcpPlTcpKindPL_TCP_UNREACHABLE)
	DNSEgress        = uint16(dnsPlDnsDirPL_DIR_EGRESS)
	DNSIngress       = uint16(dnsPlDnsDirPL_DIR_INGRESS)
	HTTPStart        = uint16(httpPlHttpFlagPL_HTTP_START)
	HTTPCont         = uint16(httpPlHttpFlagPL_HTTP_CONT)
	HTTPTLS          = uint16(httpPlHttpFlagPL_HTTP_TLS)
)

// Maps every probe shares (one filter change re-filters all of them).
var sharedMaps = []string{"pl_config_map", "pl_filter_netns", "pl_filter_port", "pl_filter_addr", "pl_sock_owner", "pl_listen_owner", "pl_cgroup_names"}

// Probe is one attached probe: its programs, links, ring buffer and counters.
type Probe struct {
	Name     string
	Attach   string
	Degraded string // non-empty: attached, but with less than the full feature set
	Reader   *ringbuf.Reader
	Ring     *ebpf.Map // the ring buffer Reader reads (nil with Reader)
	Programs []*ebpf.Program
	coll     *ebpf.Collection
	links    []link.Link
	counters *ebpf.Map
}

// Counters returns the events emitted and lost (ring buffer full) by the kernel programs.
func (p *Probe) Counters() (events, lost uint64) {
	sum := func(idx uint32) uint64 {
		var per []uint64
		if err := p.counters.Lookup(idx, &per); err != nil {
			return 0
		}
		var s uint64
		for _, v := range per {
			s += v
		}
		return s
	}
	return sum(uint32(dropsPlCounterPL_CNT_EVENTS)), sum(uint32(dropsPlCounterPL_CNT_LOST))
}

// RunStats sums the kernel's run-time statistics over the probe's programs.
func (p *Probe) RunStats() (count, ns uint64) {
	for _, prog := range p.Programs {
		if st, err := prog.Stats(); err == nil {
			count += st.RunCount
			ns += uint64(st.Runtime.Nanoseconds())
		}
	}
	return
}

// Detach removes the probe's programs from their hooks; the ring buffer stays readable.
func (p *Probe) Detach() {
	for _, l := range p.links {
		l.Close()
	}
	p.links = nil
}

// Close detaches and unloads the probe. Nothing is pinned, so nothing stays behind.
func (p *Probe) Close() {
	if p.Reader != nil {
		p.Reader.Close()
	}
	for _, l := range p.links {
		l.Close()
	}
	if p.coll != nil {
		p.coll.Close()
	}
}

// Set is the loaded probes plus the maps they share.
type Set struct {
	Probes  []*Probe
	shared  map[string]*ebpf.Map
	cfg     config
	reasons *kernel.DropReasons
	proc    bool // the proc probe is attached (PL_F_PROC)
}

// Unavailable explains why a requested probe could not be attached.
type Unavailable struct {
	Name, Detail string
	Err          error
}

// Load creates the shared maps, writes the initial filters into them, then loads and
// attaches each requested probe, so no event outside the filters is ever sent. A probe the
// kernel cannot run is returned in the second list (degraded, not fatal); an error means
// nothing could be loaded at all.
func Load(names []string, spec *btf.Spec, reasons *kernel.DropReasons, filters filter.Set) (*Set, []Unavailable, error) {
	s := &Set{shared: map[string]*ebpf.Map{}, reasons: reasons}
	dropsSpec, err := loadDrops()
	if err != nil {
		return nil, nil, err
	}
	for _, n := range sharedMaps {
		m, err := ebpf.NewMap(dropsSpec.Maps[n])
		if err != nil {
			s.Close()
			return nil, nil, fmt.Errorf("creating BPF map %s: %w", n, err)
		}
		s.shared[n] = m
	}
	s.cfg.ReasonNotDroppedYet, s.cfg.ReasonConsumed, s.cfg.ReasonNotSpecified = ^uint32(0), ^uint32(0), ^uint32(0)
	if v, ok := reasons.Code("NOT_DROPPED_YET"); ok {
		s.cfg.ReasonNotDroppedYet = v
	}
	if v, ok := reasons.Code("CONSUMED"); ok {
		s.cfg.ReasonConsumed = v
	}
	if v, ok := reasons.Code("NOT_SPECIFIED"); ok {
		s.cfg.ReasonNotSpecified = v
	}
	if err := s.SetFilters(filters); err != nil { // before any program is attached
		s.Close()
		return nil, nil, err
	}
	var missing []Unavailable
	// proc forgets a socket when it closes, on the tracepoint where tcp reads the socket's
	// process for a failed connect: attached last, it runs last (attach order).
	names = slices.Clone(names)
	slices.SortStableFunc(names, func(a, b string) int {
		switch {
		case a == "proc" && b != "proc":
			return 1
		case b == "proc" && a != "proc":
			return -1
		}
		return 0
	})
	for _, n := range names {
		var p *Probe
		var err error
		switch n {
		case "drops":
			p, err = s.loadDrops(dropsSpec, spec, reasons)
		case "dns":
			p, err = s.loadTyped("dns", loadDns, map[string]string{"pl_dns_egress": "net_dev_queue", "pl_dns_ingress": "netif_receive_skb"}, "pl_dns_rb", spec)
		case "tcp":
			p, err = s.loadTyped("tcp", loadTcp, map[string]string{
				"pl_tcp_state": "inet_sock_set_state", "pl_tcp_rst_in": "tcp_receive_reset",
				"pl_tcp_rst_out": "tcp_send_reset", "pl_tcp_retrans": "tcp_retransmit_skb",
			}, "pl_tcp_rb", spec)
		case "proc":
			p, err = s.loadTyped("proc", loadProc, map[string]string{"pl_proc_state": "inet_sock_set_state"}, "", spec)
			if err == nil {
				s.proc = true
				err = s.writeConfig()
			}
		case "http":
			p, err = s.loadHTTP()
		case "baseline":
			p, err = s.loadTyped("baseline", loadBaseline, map[string]string{"pl_base_egress": "net_dev_queue", "pl_base_ingress": "netif_receive_skb"}, "", spec)
		default:
			err = fmt.Errorf("unknown probe %q (probes: drops, dns, tcp, proc, http)", n)
		}
		if err != nil {
			var ve *ebpf.VerifierError
			if errors.Is(err, os.ErrPermission) && !errors.As(err, &ve) {
				s.Close()
				return nil, nil, fmt.Errorf("loading the %s probe: %w: run as root, or grant CAP_BPF and CAP_PERFMON (kernels before 5.8: CAP_SYS_ADMIN)", n, err)
			}
			missing = append(missing, Unavailable{Name: n, Detail: err.Error(), Err: err})
			continue
		}
		s.Probes = append(s.Probes, p)
	}
	return s, missing, nil
}

func (s *Set) opts() ebpf.CollectionOptions {
	return ebpf.CollectionOptions{MapReplacements: s.shared}
}

// keepOnly removes every program but the named ones, so the kernel never verifies an
// entry point that does not fit it (e.g. the reason argument on a pre-5.17 kfree_skb).
func keepOnly(cs *ebpf.CollectionSpec, keep ...string) {
	for name := range cs.Programs {
		found := false
		for _, k := range keep {
			found = found || k == name
		}
		if !found {
			delete(cs.Programs, name)
		}
	}
}

func (s *Set) loadDrops(cs *ebpf.CollectionSpec, spec *btf.Spec, reasons *kernel.DropReasons) (*Probe, error) {
	args, tpErr := kernel.TracepointArgs(spec, "kfree_skb")
	hasReason := reasons.Present()
	if tpErr == nil {
		hasReason = kernel.KfreeSkbHasReason(args)
	}
	var prog, attach string
	switch {
	case tpErr == nil && hasReason:
		prog, attach = "pl_drop_btf", "tp_btf/kfree_skb"
	case tpErr == nil:
		prog, attach = "pl_drop_btf_noreason", "tp_btf/kfree_skb"
	case hasReason:
		prog, attach = "pl_drop_raw", "raw_tp/kfree_skb"
	default:
		prog, attach = "pl_drop_raw_noreason", "raw_tp/kfree_skb"
	}
	keepOnly(cs, prog)
	coll, err := ebpf.NewCollectionWithOptions(cs, s.opts())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", attach, err)
	}
	p := &Probe{Name: "drops", Attach: attach, coll: coll, counters: coll.Maps["pl_counters"]}
	pr := coll.Programs[prog]
	var l link.Link
	if strings.HasPrefix(attach, "tp_btf") {
		l, err = link.AttachTracing(link.TracingOptions{Program: pr})
	} else {
		l, err = link.AttachRawTracepoint(link.RawTracepointOptions{Name: "kfree_skb", Program: pr})
	}
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("attaching %s: %w", attach, err)
	}
	p.links = append(p.links, l)
	p.Programs = append(p.Programs, pr)
	if !hasReason {
		p.Degraded = "this kernel's kfree_skb has no drop reason (added in 5.17): drops are reported without a reason"
	}
	p.Ring = coll.Maps["pl_drops_rb"]
	if p.Reader, err = ringbuf.NewReader(p.Ring); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// loadTyped loads a probe whose programs are all tp_btf, attaching each to its tracepoint.
func (s *Set) loadTyped(name string, load func() (*ebpf.CollectionSpec, error), progs map[string]string, rb string, spec *btf.Spec) (*Probe, error) {
	cs, err := load()
	if err != nil {
		return nil, err
	}
	var tps []string
	for _, tp := range progs {
		if _, err := kernel.TracepointArgs(spec, tp); err != nil {
			return nil, fmt.Errorf("tp_btf/%s: %w", tp, err)
		}
		tps = append(tps, "tp_btf/"+tp)
	}
	coll, err := ebpf.NewCollectionWithOptions(cs, s.opts())
	if err != nil {
		return nil, fmt.Errorf("loading: %w", err)
	}
	p := &Probe{Name: name, coll: coll, counters: coll.Maps["pl_counters"]}
	slices.Sort(tps)
	p.Attach = strings.Join(tps, "+")
	for prog := range progs {
		pr := coll.Programs[prog]
		l, err := link.AttachTracing(link.TracingOptions{Program: pr})
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("attaching tp_btf/%s: %w", progs[prog], err)
		}
		p.links = append(p.links, l)
		p.Programs = append(p.Programs, pr)
	}
	if rb == "" {
		return p, nil
	}
	p.Ring = coll.Maps[rb]
	if p.Reader, err = ringbuf.NewReader(p.Ring); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// loadHTTP attaches the http probe's programs to the root of the cgroup v2 hierarchy, where
// they see every socket of the node (bpf/http.bpf.c says why not tracepoints). The links are
// bpf_links with multi-attach semantics: other programs on the root cgroup stay as they are,
// and closing the link (or the agent's exit) detaches it.
func (s *Set) loadHTTP() (*Probe, error) {
	root, err := cgroup2Root()
	if err != nil {
		return nil, err
	}
	cs, err := loadHttp()
	if err != nil {
		return nil, err
	}
	coll, err := ebpf.NewCollectionWithOptions(cs, s.opts())
	if err != nil {
		return nil, netAdmin(fmt.Errorf("loading: %w", err))
	}
	p := &Probe{Name: "http", coll: coll, counters: coll.Maps["pl_counters"], Attach: "cgroup_skb/egress+cgroup_skb/ingress"}
	for _, a := range []struct {
		prog string
		at   ebpf.AttachType
	}{{"pl_http_egress", ebpf.AttachCGroupInetEgress}, {"pl_http_ingress", ebpf.AttachCGroupInetIngress}} {
		pr := coll.Programs[a.prog]
		l, err := link.AttachCgroup(link.CgroupOptions{Path: root, Attach: a.at, Program: pr})
		if err != nil {
			p.Close()
			return nil, netAdmin(fmt.Errorf("attaching %s to the cgroup %s: %w", a.prog, root, err))
		}
		p.links = append(p.links, l)
		p.Programs = append(p.Programs, pr)
	}
	p.Ring = coll.Maps["pl_http_rb"]
	if p.Reader, err = ringbuf.NewReader(p.Ring); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// netAdmin turns a permission error (cgroup_skb programs need CAP_NET_ADMIN, which a probe
// pod may not have) into the probe being unavailable rather than the whole agent failing.
func netAdmin(err error) error {
	var ve *ebpf.VerifierError
	if errors.Is(err, os.ErrPermission) && !errors.As(err, &ve) {
		return fmt.Errorf("needs CAP_NET_ADMIN: %v", err)
	}
	return err
}

// cgroup2Root finds where the cgroup v2 hierarchy's root is mounted (/sys/fs/cgroup, or
// /sys/fs/cgroup/unified on a hybrid host). Inside a container with its own cgroup namespace
// the root seen is the container's own cgroup: the probe then sees only its sockets.
func cgroup2Root() (string, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if ok && len(f) >= 5 && len(g) >= 1 && g[0] == "cgroup2" && f[3] == "/" {
			return f[4], nil
		}
	}
	return "", errors.New("no cgroup v2 hierarchy mounted: the http probe attaches to its root")
}

// CgroupNames is the map of cgroup ids to names the proc probe fills (nil without it).
func (s *Set) CgroupNames() *ebpf.Map {
	if s.cfg.Flags&uint32(dropsPlConfigFlagPL_F_PROC) == 0 {
		return nil
	}
	return s.shared["pl_cgroup_names"]
}

func (s *Set) writeConfig() error {
	if s.proc {
		s.cfg.Flags |= uint32(dropsPlConfigFlagPL_F_PROC)
	}
	zero := uint32(0)
	return s.shared["pl_config_map"].Update(zero, &s.cfg, ebpf.UpdateAny)
}

// SetFilters replaces the in-kernel filters of every probe. The new entries are added
// before the stale ones are removed and the switches flipped last, so no wanted event is
// missed during the change.
func (s *Set) SetFilters(f filter.Set) error {
	one := uint8(1)
	nsMap, portMap, addrMap := s.shared["pl_filter_netns"], s.shared["pl_filter_port"], s.shared["pl_filter_addr"]
	wantNs := map[uint32]bool{}
	for _, n := range f.Netns {
		wantNs[n] = true
		if err := nsMap.Update(n, one, ebpf.UpdateAny); err != nil {
			return fmt.Errorf("netns filter: %w", err)
		}
	}
	wantPort := map[uint16]bool{}
	for _, p := range f.Ports {
		wantPort[p] = true
		if err := portMap.Update(p, one, ebpf.UpdateAny); err != nil {
			return fmt.Errorf("port filter: %w", err)
		}
	}
	wantAddr := map[addrKey]bool{}
	for _, pfx := range f.Prefixes {
		l, a := filter.Key(pfx)
		k := addrKey{Prefixlen: l, Addr: a}
		wantAddr[k] = true
		if err := addrMap.Update(&k, one, ebpf.UpdateAny); err != nil {
			return fmt.Errorf("cidr filter: %w", err)
		}
	}
	prune := func(m *ebpf.Map, key any, keep func() bool) {
		var stale []any
		it := m.Iterate()
		var v uint8
		for it.Next(key, &v) {
			if !keep() {
				switch k := key.(type) {
				case *uint32:
					stale = append(stale, *k)
				case *uint16:
					stale = append(stale, *k)
				case *addrKey:
					kk := *k
					stale = append(stale, &kk)
				}
			}
		}
		for _, k := range stale {
			_ = m.Delete(k)
		}
	}
	var nk uint32
	prune(nsMap, &nk, func() bool { return wantNs[nk] })
	var pk uint16
	prune(portMap, &pk, func() bool { return wantPort[pk] })
	var ak addrKey
	prune(addrMap, &ak, func() bool { return wantAddr[ak] })

	flags := uint32(0)
	set := func(on bool, bit dropsPlConfigFlag) {
		if on {
			flags |= uint32(bit)
		}
	}
	set(len(f.Netns) > 0, dropsPlConfigFlagPL_F_NETNS)
	set(len(f.Prefixes) > 0, dropsPlConfigFlagPL_F_ADDR)
	set(len(f.Ports) > 0, dropsPlConfigFlagPL_F_PORT)
	set(len(f.Protos) > 0, dropsPlConfigFlagPL_F_PROTO)
	set(f.NotSpecified, dropsPlConfigFlagPL_F_DROP_NOT_SPECIFIED)
	set(s.proc, dropsPlConfigFlagPL_F_PROC)
	s.cfg.Flags = flags
	s.cfg.ProtoBits = [4]uint64{}
	for _, p := range f.Protos {
		s.cfg.ProtoBits[p>>6] |= 1 << (p & 63)
	}
	return s.writeConfig()
}

// Close detaches every probe and frees the shared maps.
func (s *Set) Close() {
	for _, p := range s.Probes {
		p.Close()
	}
	for _, m := range s.shared {
		m.Close()
	}
}
