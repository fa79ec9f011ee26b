package agent

import (
	"io"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

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
