package agent

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"pathlight.dev/native/internal/filter"
	"pathlight.dev/native/internal/kernel"
	"pathlight.dev/native/internal/probes"
	"pathlight.dev/native/internal/protocol"
	"pathlight.dev/native/internal/rules"
)

// attached is what setup leaves running for the rest of the run.
type attached struct {
	set     *probes.Set
	reasons *kernel.DropReasons
	syms    *kernel.Symbols // nil without the drops probe, or when /proc/kallsyms is unreadable
	stats   io.Closer       // the kernel's per-program run-time statistics; nil when not enabled
	rules   *rules.Tracer   // the rules probe; nil when not asked for or unavailable
}

func (t *attached) close() {
	if t.stats != nil {
		t.stats.Close()
	}
	if t.rules != nil {
		t.rules.Close()
	}
	t.set.Close()
}

// fatalError ends a run before it starts: it becomes the fatal error line before bye.
type fatalError struct {
	code, message string
}

// setup checks that the kernel can run the probes, loads and attaches them behind the
// initial filters and writes hello, then an error line for each problem a probe has. The
// attached probes are returned once loaded, even with the fatal error that no probe could
// attach, so that Run unloads them after writing that error.
func (a *agent) setup() (*attached, *fatalError) {
	o := a.opts
	if _, err := os.Stat("/sys/fs/bpf"); err != nil && errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat("/proc/sys/kernel/unprivileged_bpf_disabled"); err != nil {
			return nil, &fatalError{protocol.ErrNoBPF, "this kernel has no BPF support (CONFIG_BPF_SYSCALL): the probes cannot run on this node"}
		}
	}
	spec, err := kernel.LoadBTF()
	if err != nil {
		return nil, &fatalError{protocol.ErrNoBTF, err.Error()}
	}
	// Before 5.11 BPF memory is charged to RLIMIT_MEMLOCK; later kernels ignore it.
	_ = rlimit.RemoveMemlock()
	reasons := kernel.NewDropReasons(spec)
	var syms *kernel.Symbols
	var symErr error
	if slices.Contains(o.Probes, "drops") {
		syms, symErr = kernel.LoadKallsyms()
	}
	set, missing, err := probes.Load(withoutRules(o.Probes), spec, reasons, o.Filters)
	if err != nil {
		code := protocol.ErrAttach
		var ve *ebpf.VerifierError
		if errors.Is(err, os.ErrPermission) && !errors.As(err, &ve) {
			code = protocol.ErrPermission
		}
		return nil, &fatalError{code, err.Error()}
	}
	att := &attached{set: set, reasons: reasons, syms: syms}
	if o.Stats {
		// Needs CAP_SYS_ADMIN; without it the run goes on, and hello says bpfStats false.
		if stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME)); err == nil {
			att.stats = stats
		}
	}

	var rulesStatus *protocol.ProbeStatus
	att.rules, rulesStatus = a.startRules(o.Filters)
	hello := a.hello(att, spec, missing, att.stats != nil)
	if rulesStatus != nil {
		hello.Probes = append(hello.Probes, *rulesStatus)
	}
	a.out.control(hello)
	if rulesStatus != nil && rulesStatus.State == protocol.ProbeUnavailable {
		a.out.control(protocol.Error{Header: a.header(protocol.TypeError), Code: protocol.ErrAttach, Probe: protocol.RulesProbe, Message: "the rules probe is unavailable: " + rulesStatus.Detail})
	}
	if symErr != nil {
		a.out.control(protocol.Error{Header: a.header(protocol.TypeError), Code: protocol.ErrPermission, Probe: "drops", Message: symErr.Error()})
	}
	for _, m := range missing {
		a.out.control(protocol.Error{Header: a.header(protocol.TypeError), Code: protocol.ErrAttach, Probe: m.Name, Message: fmt.Sprintf("the %s probe is unavailable on this kernel: %s", m.Name, m.Detail)})
	}
	if len(set.Probes) == 0 && att.rules == nil {
		return att, &fatalError{protocol.ErrAttach, "no probe could be attached on this kernel (see the errors above)"}
	}
	return att, nil
}

// hello describes the run: the agent, the kernel and its features, the state of every
// probe asked for, the filters, the TTL and the kernel's drop-reason table.
func (a *agent) hello(att *attached, spec *btf.Spec, missing []probes.Unavailable, bpfStats bool) protocol.Hello {
	o := a.opts
	_, tpErr := kernel.TracepointArgs(spec, "kfree_skb")
	hello := protocol.Hello{
		Header: a.header(protocol.TypeHello), Version: o.Version, Kernel: KernelRelease(), Arch: runtime.GOARCH,
		Features: Features(att.reasons, true, tpErr, att.syms != nil), Filters: ackFilters(o.Filters),
		TTLMs: o.TTL.Milliseconds(), Reasons: att.reasons.Table(),
	}
	if ns, err := filter.ParseNetns("/proc/self/ns/net"); err == nil {
		hello.Netns = ns
	}
	if id, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		hello.BootID = strings.TrimSpace(string(id))
	}
	hello.Features.BpfStats = bpfStats
	for _, p := range att.set.Probes {
		st := protocol.ProbeStatus{Name: p.Name, State: protocol.ProbeAttached, Attach: p.Attach}
		if p.Degraded != "" {
			st.State, st.Detail = protocol.ProbeDegraded, p.Degraded
		}
		hello.Probes = append(hello.Probes, st)
	}
	for _, m := range missing {
		hello.Probes = append(hello.Probes, protocol.ProbeStatus{Name: m.Name, State: protocol.ProbeUnavailable, Detail: m.Detail})
	}
	return hello
}

// fatal writes the error that ends the run and bye, closes the output and returns the
// process exit code.
func (a *agent) fatal(f *fatalError) int {
	a.out.control(protocol.Error{Header: a.header(protocol.TypeError), Code: f.code, Message: f.message, Fatal: true})
	a.out.control(protocol.Bye{Header: a.header(protocol.TypeBye), Reason: protocol.ByeError, Probes: map[string]protocol.ProbeStats{}})
	a.out.close()
	return 1
}

// Features reports what the running kernel offers, without loading anything.
func Features(spec *kernel.DropReasons, btfOK bool, tpErr error, syms bool) protocol.Features {
	f := protocol.Features{BTF: btfOK, TpBtf: btfOK && tpErr == nil, DropReasons: spec != nil && spec.Present(), Kallsyms: syms}
	f.Ringbuf = features.HaveMapType(ebpf.RingBuf) == nil
	f.Rules = rules.LegacyInUse()
	return f
}

// KernelRelease is uname -r.
func KernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}
