package agent

import (
	"io"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func v4(a, b, c, d byte) [16]byte { return [16]byte{10: 0xff, 11: 0xff, 12: a, 13: b, 14: c, 15: d} }

// nilSpec is an empty BTF spec: a kernel without drop reasons.
func nilSpec(t *testing.T) *btf.Spec {
	t.Helper()
	b, err := btf.NewBuilder([]btf.Type{&btf.Int{Name: "int", Size: 4}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Spec()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
