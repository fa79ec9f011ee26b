package agent

import (
	"testing"

	"pathlight.dev/native/internal/kernel"
	"pathlight.dev/native/internal/probes"
)

func TestDropDecode(t *testing.T) {
	syms, _ := kernel.ParseKallsyms(stringsReader("ffffffff81a00000 t nf_hook_slow\n"))
	d := &dropDecoder{decodeEnv{node: "n", reasons: kernel.NewDropReasons(nilSpec(t)), syms: syms}}
	e := &probes.DropEvent{Location: 0xffffffff81a00010, HasReason: 0, Reason: 0}
	e.T.Family, e.T.Proto = 6, 58
	e.T.Saddr = [16]byte{0: 0xfd, 15: 1}
	got := d.line(e)
	if got.Reason != "UNKNOWN" || got.HasReason || got.Location != "nf_hook_slow+0x10" || got.Src != "fd00::1" || got.Proto != "icmpv6" || got.Family != 6 {
		t.Fatalf("%+v", got)
	}
}
