package agent

import (
	"regexp"
	"strings"
	"sync"

	"github.com/cilium/ebpf"

	"pathlight.dev/native/internal/probes"
	"pathlight.dev/native/internal/protocol"
)

// cgroupNames names the cgroups of the processes the proc probe saw, from the names its
// programs read in the kernel (pl_cgroup_names), once per cgroup. The decoders of every
// probe share it, from their own goroutines.
type cgroupNames struct {
	mu    sync.Mutex
	m     *ebpf.Map // nil without the proc probe
	cache map[uint64]cgroupInfo
}

type cgroupInfo struct{ path, container, podUID string }

// A container's cgroup, as containerd, CRI-O and Docker name it: "cri-containerd-<id>.scope",
// "crio-<id>.scope", "docker-<id>.scope" (systemd driver) or "<id>" (cgroupfs driver).
var containerCgroup = regexp.MustCompile(`^(?:[a-z-]+-)?([0-9a-f]{64})(?:\.scope)?$`)

// A pod's cgroup: "kubepods-burstable-pod<uid with _>.slice" (systemd) or "pod<uid>" (cgroupfs).
var podCgroup = regexp.MustCompile(`pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?$`)

func newCgroupNames(m *ebpf.Map) *cgroupNames {
	return &cgroupNames{m: m, cache: map[uint64]cgroupInfo{}}
}

// parseCgroup reads the container id and the pod's uid from a cgroup's and its parent's names.
func parseCgroup(leaf, parent string) cgroupInfo {
	info := cgroupInfo{path: leaf}
	if parent != "" {
		info.path = parent + "/" + leaf
	}
	if m := containerCgroup.FindStringSubmatch(leaf); m != nil {
		info.container = m[1]
	}
	if m := podCgroup.FindStringSubmatch(parent); m != nil {
		info.podUID = strings.ReplaceAll(m[1], "_", "-")
	}
	return info
}

func (c *cgroupNames) lookup(id uint64) cgroupInfo {
	if c == nil || c.m == nil {
		return cgroupInfo{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if info, ok := c.cache[id]; ok {
		return info
	}
	var n probes.CgroupName
	if err := c.m.Lookup(id, &n); err != nil {
		return cgroupInfo{} // not named yet: asked again next time
	}
	info := parseCgroup(cString(n.Leaf[:]), cString(n.Parent[:]))
	if len(c.cache) >= 4096 {
		clear(c.cache) // cgroups come and go; a bounded cache refills from the kernel's map
	}
	c.cache[id] = info
	return info
}

// cString is a NUL-terminated C string of a bpf2go char array.
func cString(b []int8) string {
	var sb strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		sb.WriteByte(byte(c))
	}
	return sb.String()
}

// proc is an event's process as a protocol field: nil when the kernel did not know it.
func (env decodeEnv) proc(p probes.Proc) *protocol.Proc {
	if p.Pid == 0 {
		return nil
	}
	info := env.cgroups.lookup(p.CgroupId)
	return &protocol.Proc{Pid: p.Pid, Tid: p.Tid, Comm: cString(p.Comm[:]), CgroupID: p.CgroupId,
		Cgroup: info.path, ContainerID: info.container, PodUID: info.podUID}
}
