// Package kernel finds out what the running kernel offers, from its BTF and procfs, never
// from its version number (distributions backport features).
package kernel

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// VmlinuxBTF is where the kernel exposes its own BTF (CONFIG_DEBUG_INFO_BTF, 5.4+); a
// variable so a test can point it at a kernel without BTF.
var VmlinuxBTF = "/sys/kernel/btf/vmlinux"

// LoadBTF loads the running kernel's BTF, or explains what is missing.
func LoadBTF() (*btf.Spec, error) {
	if _, err := os.Stat(VmlinuxBTF); err != nil {
		return nil, fmt.Errorf("this kernel has no BTF (%s is missing): the probes need a kernel built with CONFIG_DEBUG_INFO_BTF=y (the default on current Debian, Ubuntu, RHEL, Fedora, COS and Bottlerocket kernels)", VmlinuxBTF)
	}
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return nil, fmt.Errorf("reading the kernel's BTF from %s: %w", VmlinuxBTF, err)
	}
	return spec, nil
}

// TracepointArgs returns the argument types of a BTF-typed tracepoint (btf_trace_<name>:
// a typedef of a pointer to a function whose first parameter is the tracepoint's own
// context), or an error if the kernel has no such tracepoint. Kernel BTF does not keep the
// parameter names, so callers look at types and positions.
func TracepointArgs(spec *btf.Spec, name string) ([]btf.Type, error) {
	var td *btf.Typedef
	if err := spec.TypeByName("btf_trace_"+name, &td); err != nil {
		return nil, fmt.Errorf("tracepoint %s is not in this kernel's BTF: %w", name, err)
	}
	ptr, ok := td.Type.(*btf.Pointer)
	if !ok {
		return nil, fmt.Errorf("btf_trace_%s: unexpected type %T", name, td.Type)
	}
	proto, ok := ptr.Target.(*btf.FuncProto)
	if !ok {
		return nil, fmt.Errorf("btf_trace_%s: unexpected target %T", name, ptr.Target)
	}
	var args []btf.Type
	for i, p := range proto.Params {
		if i > 0 {
			args = append(args, p.Type)
		}
	}
	return args, nil
}

// KfreeSkbHasReason tells from the tracepoint's prototype whether kfree_skb passes the drop
// reason: (skb, location) before 5.17, (skb, location, reason) since commit c504e5c2f964,
// and (skb, location, reason, rx_sk) since 6.11 (commit c53795d48ee8).
func KfreeSkbHasReason(args []btf.Type) bool {
	if len(args) < 3 {
		return false
	}
	t := btf.UnderlyingType(args[2])
	switch t.(type) {
	case *btf.Enum, *btf.Int:
		return true
	}
	return false
}

// DropReasonPrefix is stripped from enumerator names.
const DropReasonPrefix = "SKB_DROP_REASON_"

// Subsystem reasons (6.4+, commit 071c0fc6fb91 "net: extend drop reasons for multiple
// subsystems") carry the subsystem in the high 16 bits; each subsystem has its own enum.
const subsysShift = 16

// DropReasons names drop reason codes as the running kernel numbers them.
type DropReasons struct {
	core    map[uint32]string // enum skb_drop_reason, prefix stripped
	subsys  map[uint32]string // enum skb_drop_reason_subsys: id → name (prefix stripped)
	extra   map[uint32]string // enumerators of subsystem enums, by full value
	byName  map[string]uint32
	present bool
}

// NewDropReasons reads enum skb_drop_reason (and the subsystem enums) from BTF. A kernel
// without the enum (before 5.17 and not backported) yields an empty table.
func NewDropReasons(spec *btf.Spec) *DropReasons {
	d := &DropReasons{core: map[uint32]string{}, subsys: map[uint32]string{}, extra: map[uint32]string{}, byName: map[string]uint32{}}
	var e *btf.Enum
	if err := spec.TypeByName("skb_drop_reason", &e); err == nil {
		d.present = true
		for _, v := range e.Values {
			// SKB_NOT_DROPPED_YET and SKB_CONSUMED (6.2+) lack the common prefix.
			name := strings.TrimPrefix(strings.TrimPrefix(v.Name, DropReasonPrefix), "SKB_")
			d.core[uint32(v.Value)] = name
			d.byName[name] = uint32(v.Value)
		}
	}
	var s *btf.Enum
	if err := spec.TypeByName("skb_drop_reason_subsys", &s); err == nil {
		for _, v := range s.Values {
			d.subsys[uint32(v.Value)] = strings.TrimPrefix(v.Name, "SKB_DROP_REASON_SUBSYS_")
		}
		// Subsystem enums are named <something>_drop_reason (ovs_drop_reason,
		// mac80211_drop_reason…); their values already include the subsystem bits.
		for typ, err := range spec.All() {
			if err != nil {
				break
			}
			en, ok := typ.(*btf.Enum)
			if !ok || en.Name == "skb_drop_reason" || !strings.HasSuffix(en.Name, "drop_reason") {
				continue
			}
			for _, v := range en.Values {
				if uint32(v.Value)>>subsysShift != 0 {
					d.extra[uint32(v.Value)] = v.Name
				}
			}
		}
	}
	return d
}

// Present reports whether the kernel names drop reasons at all.
func (d *DropReasons) Present() bool { return d.present }

// Code returns the number of a reason in this kernel, and whether it exists.
func (d *DropReasons) Code(name string) (uint32, bool) {
	v, ok := d.byName[name]
	return v, ok
}

// Name returns the reason's name and, for a subsystem reason, the subsystem's name.
func (d *DropReasons) Name(code uint32) (reason, subsystem string) {
	if sub := code >> subsysShift; sub != 0 {
		subsystem = d.subsys[sub]
		if subsystem == "" {
			subsystem = fmt.Sprintf("SUBSYS_%d", sub)
		}
		if n, ok := d.extra[code]; ok {
			return n, subsystem
		}
		return fmt.Sprintf("%s_CODE_%d", subsystem, code&(1<<subsysShift-1)), subsystem
	}
	if n, ok := d.core[code]; ok {
		return n, ""
	}
	return fmt.Sprintf("CODE_%d", code), ""
}

// Table returns every core reason, name → code (for the hello line).
func (d *DropReasons) Table() map[string]uint {
	out := make(map[string]uint, len(d.byName))
	for n, v := range d.byName {
		out[n] = uint(v)
	}
	return out
}

// Names returns the core reason names sorted by code.
func (d *DropReasons) Names() []string {
	codes := make([]uint32, 0, len(d.core))
	for c := range d.core {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool { return codes[i] < codes[j] })
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = d.core[c]
	}
	return out
}
