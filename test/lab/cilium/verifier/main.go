// Command verifier loads every program of Cilium datapath objects (ELF files compiled from
// Cilium's bpf/ sources) into the running kernel, so the kernel's verifier checks them, and
// closes them again: nothing is attached or pinned. It answers "does this clang's output for this
// Cilium version pass this kernel's verifier" without running cilium-agent.
//
// Built by test/lab/cilium/check-datapath.sh inside the Cilium wrapper module, so it uses the
// same github.com/cilium/ebpf version as the agent.
//
//	verifier OBJECT.o...
package main

import (
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/cilium/ebpf"
)

func load(path string) error {
	spec, err := ebpf.LoadCollectionSpec(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	// The agent pins its maps in bpffs; a check must leave nothing behind.
	for _, m := range spec.Maps {
		m.Pinning = ebpf.PinNone
	}
	coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{
		Programs: ebpf.ProgramOptions{LogSizeStart: 1 << 20},
	})
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			tail := ve.Log
			if len(tail) > 40 {
				tail = tail[len(tail)-40:]
			}
			for _, l := range tail {
				fmt.Println("    " + l)
			}
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	defer coll.Close()
	names := make([]string, 0, len(coll.Programs))
	for n := range coll.Programs {
		names = append(names, n)
	}
	sort.Strings(names)
	total := 0
	for _, n := range names {
		if info, err := coll.Programs[n].Info(); err == nil {
			if c, ok := info.VerifiedInstructions(); ok {
				total += int(c)
			}
		}
	}
	fmt.Printf("%s: %d programs, %d maps loaded (%d verified instructions)\n", path, len(names), len(spec.Maps), total)
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: verifier OBJECT.o...")
		os.Exit(2)
	}
	failed := 0
	for _, p := range os.Args[1:] {
		if err := load(p); err != nil {
			fmt.Println("FAILED:", err)
			failed++
		}
	}
	if failed > 0 {
		os.Exit(1)
	}
}
