package kernel

import (
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

func specOf(t *testing.T, types ...btf.Type) *btf.Spec {
	t.Helper()
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Spec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func enum(name string, vals ...any) *btf.Enum {
	e := &btf.Enum{Name: name, Size: 4}
	for i := 0; i+1 < len(vals); i += 2 {
		e.Values = append(e.Values, btf.EnumValue{Name: vals[i].(string), Value: uint64(vals[i+1].(int))})
	}
	return e
}

// The enum is not stable: the same reason has different numbers on different kernels.
// Names must come from the running kernel's BTF, whichever layout it has.
func TestDropReasonLayouts(t *testing.T) {
	layouts := []struct {
		name  string
		enum  *btf.Enum
		codes map[uint32]string
	}{
		{"5.17 (NOT_SPECIFIED first)", enum("skb_drop_reason",
			"SKB_DROP_REASON_NOT_SPECIFIED", 0, "SKB_DROP_REASON_NO_SOCKET", 1, "SKB_DROP_REASON_PKT_TOO_SMALL", 2,
			"SKB_DROP_REASON_TCP_CSUM", 3, "SKB_DROP_REASON_SOCKET_FILTER", 4, "SKB_DROP_REASON_UDP_CSUM", 5,
			"SKB_DROP_REASON_NETFILTER_DROP", 6, "SKB_DROP_REASON_MAX", 7),
			map[uint32]string{0: "NOT_SPECIFIED", 1: "NO_SOCKET", 6: "NETFILTER_DROP"}},
		{"6.2+ (NOT_DROPPED_YET and CONSUMED in front)", enum("skb_drop_reason",
			"SKB_NOT_DROPPED_YET", 0, "SKB_CONSUMED", 1, "SKB_DROP_REASON_NOT_SPECIFIED", 2,
			"SKB_DROP_REASON_NO_SOCKET", 3, "SKB_DROP_REASON_NETFILTER_DROP", 12, "SKB_DROP_REASON_TC_INGRESS", 55),
			map[uint32]string{0: "NOT_DROPPED_YET", 1: "CONSUMED", 2: "NOT_SPECIFIED", 3: "NO_SOCKET", 12: "NETFILTER_DROP", 55: "TC_INGRESS", 99: "CODE_99"}},
	}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			d := NewDropReasons(specOf(t, l.enum))
			if !d.Present() {
				t.Fatal("enum not found")
			}
			for code, want := range l.codes {
				if got, sub := d.Name(code); got != want || sub != "" {
					t.Errorf("code %d: %q/%q, want %q", code, got, sub, want)
				}
			}
			ns, _ := d.Code("NOT_SPECIFIED")
			if want := map[bool]uint32{true: 2, false: 0}[strings.HasPrefix(l.name, "6.2")]; ns != want {
				t.Errorf("NOT_SPECIFIED = %d, want %d", ns, want)
			}
		})
	}
}

// 6.4+ subsystem reasons carry the subsystem id in the high 16 bits.
func TestSubsystemReasons(t *testing.T) {
	d := NewDropReasons(specOf(t,
		enum("skb_drop_reason", "SKB_NOT_DROPPED_YET", 0, "SKB_CONSUMED", 1, "SKB_DROP_REASON_NOT_SPECIFIED", 2),
		enum("skb_drop_reason_subsys", "SKB_DROP_REASON_SUBSYS_CORE", 0, "SKB_DROP_REASON_SUBSYS_MAC80211_UNUSABLE", 1,
			"SKB_DROP_REASON_SUBSYS_MAC80211_MONITOR", 2, "SKB_DROP_REASON_SUBSYS_OPENVSWITCH", 3),
		enum("ovs_drop_reason", "OVS_DROP_LAST_ACTION", 3<<16|1, "OVS_DROP_ACTION_ERROR", 3<<16|2),
	))
	if r, s := d.Name(3<<16 | 2); r != "OVS_DROP_ACTION_ERROR" || s != "OPENVSWITCH" {
		t.Errorf("ovs reason: %q %q", r, s)
	}
	if r, s := d.Name(2<<16 | 7); r != "MAC80211_MONITOR_CODE_7" || s != "MAC80211_MONITOR" {
		t.Errorf("unnamed subsystem reason: %q %q", r, s)
	}
	if r, s := d.Name(9<<16 | 1); r != "SUBSYS_9_CODE_1" || s != "SUBSYS_9" {
		t.Errorf("unknown subsystem: %q %q", r, s)
	}
}

// Before 5.17 (and without a backport) the kernel has no enum: drops come without reasons.
func TestNoDropReasons(t *testing.T) {
	d := NewDropReasons(specOf(t, &btf.Int{Name: "int", Size: 4}))
	if d.Present() || len(d.Table()) != 0 {
		t.Fatal("reasons found in a kernel without the enum")
	}
}

func TestKfreeSkbPrototypes(t *testing.T) {
	skb := &btf.Pointer{Target: &btf.Struct{Name: "sk_buff"}}
	void := &btf.Pointer{Target: &btf.Void{}}
	reason := enum("skb_drop_reason", "SKB_DROP_REASON_NOT_SPECIFIED", 0)
	sk := &btf.Pointer{Target: &btf.Struct{Name: "sock"}}
	proto := func(params ...btf.Type) *btf.Typedef {
		fp := &btf.FuncProto{Return: &btf.Void{}}
		for _, p := range append([]btf.Type{void}, params...) {
			fp.Params = append(fp.Params, btf.FuncParam{Type: p})
		}
		return &btf.Typedef{Name: "btf_trace_kfree_skb", Type: &btf.Pointer{Target: fp}}
	}
	for name, c := range map[string]struct {
		td   *btf.Typedef
		want bool
	}{
		"5.16 (skb, location)":                {proto(skb, void), false},
		"5.17 (skb, location, reason)":        {proto(skb, void, reason), true},
		"6.11 (skb, location, reason, rx_sk)": {proto(skb, void, reason, sk), true},
	} {
		args, err := TracepointArgs(specOf(t, c.td), "kfree_skb")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := KfreeSkbHasReason(args); got != c.want {
			t.Errorf("%s: has reason %v, want %v", name, got, c.want)
		}
	}
	if _, err := TracepointArgs(specOf(t, &btf.Int{Name: "int", Size: 4}), "kfree_skb"); err == nil {
		t.Error("a kernel without the tracepoint reported it")
	}
}

func TestKallsyms(t *testing.T) {
	s, err := ParseKallsyms(strings.NewReader("ffffffff81000000 T _stext\nffffffff81a00000 t nf_hook_slow\nffffffff81a00100 D some_data\nffffffff81a00200 T tcp_v4_rcv [kernel]\n"))
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[uint64]string{0xffffffff81a0009b: "nf_hook_slow+0x9b", 0xffffffff81a00250: "tcp_v4_rcv+0x50", 0x10: "0x10"} {
		if got := s.Resolve(addr); got != want {
			t.Errorf("%x: %s, want %s", addr, got, want)
		}
	}
	if _, err := ParseKallsyms(strings.NewReader("0000000000000000 T _stext\n")); err == nil {
		t.Error("all-zero kallsyms (kptr_restrict) accepted")
	}
}

// A kernel built without BTF cannot be booted here; pointing the path at a missing file is
// the same fault as far as the agent can see.
func TestNoBTFNamesTheKernelOption(t *testing.T) {
	saved := VmlinuxBTF
	VmlinuxBTF = t.TempDir() + "/vmlinux"
	defer func() { VmlinuxBTF = saved }()
	_, err := LoadBTF()
	if err == nil || !strings.Contains(err.Error(), "CONFIG_DEBUG_INFO_BTF=y") || !strings.Contains(err.Error(), VmlinuxBTF) {
		t.Fatalf("error %v does not name the missing file and the kernel option", err)
	}
}
