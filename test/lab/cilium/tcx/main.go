// Command tcx lists the BPF programs attached through tcx (the kernel's tc BPF hook since 6.6,
// which cilium-agent uses) to every interface of the network namespace it runs in, one line per
// program: "IFNAME ingress|egress prog ID NAME". No output: nothing attached.
//
// Debian 12's bpftool (7.1) predates tcx: `bpftool net` does not show these attachments, so
// test/lab/cilium/test.sh runs this in the host netns to check that Cilium attached nothing
// there. Built like the verifier tool, inside the Cilium wrapper module.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

func main() {
	ifaces, err := net.Interfaces()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tcx:", err)
		os.Exit(2)
	}
	failed := false
	for _, ifc := range ifaces {
		for _, dir := range []struct {
			name string
			at   ebpf.AttachType
		}{{"ingress", ebpf.AttachTCXIngress}, {"egress", ebpf.AttachTCXEgress}} {
			res, err := link.QueryPrograms(link.QueryOptions{Target: ifc.Index, Attach: dir.at})
			if err != nil {
				// An interface without any tcx attachment may answer ENOENT on some kernels.
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				fmt.Fprintf(os.Stderr, "tcx: %s %s: %v\n", ifc.Name, dir.name, err)
				failed = true
				continue
			}
			for _, p := range res.Programs {
				name := "?"
				if prog, err := ebpf.NewProgramFromID(p.ID); err == nil {
					if info, err := prog.Info(); err == nil {
						name = info.Name
					}
					prog.Close()
				}
				fmt.Printf("%s %s prog %d %s\n", ifc.Name, dir.name, p.ID, name)
			}
		}
	}
	if failed {
		os.Exit(2)
	}
}
