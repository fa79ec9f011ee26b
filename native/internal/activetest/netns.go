package activetest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// candidate is one network namespace of the node, with the processes in it (in /proc
// order, at most maxPids) or, for a namespace no process holds, its bind mount.
type candidate struct {
	inode uint32
	pids  []int
	mount string // /run/netns/NAME
}

const maxPids = 16

func (c candidate) paths() []string {
	var out []string
	for _, p := range c.pids {
		out = append(out, fmt.Sprintf("/proc/%d/ns/net", p))
	}
	if c.mount != "" {
		out = append(out, c.mount)
	}
	return out
}

func inodeOf(path string) (uint32, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, err
	}
	return uint32(st.Ino), nil
}

// candidates lists the node's network namespaces, de-duplicated by inode: every process's
// /proc/PID/ns/net, then the bind mounts in /run/netns that no process holds. denied counts
// the processes whose namespace could not be looked at (no CAP_SYS_PTRACE over them).
func candidates() (list []candidate, denied int, err error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, 0, err
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids) // ReadDir sorts names: "10" before "9"
	index := map[uint32]int{}
	for _, pid := range pids {
		ino, err := inodeOf(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err != nil {
			if errors.Is(err, os.ErrPermission) {
				denied++
			}
			continue // gone meanwhile, or a kernel thread
		}
		if i, ok := index[ino]; ok {
			if len(list[i].pids) < maxPids {
				list[i].pids = append(list[i].pids, pid)
			}
			continue
		}
		index[ino] = len(list)
		list = append(list, candidate{inode: ino, pids: []int{pid}})
	}
	mounts, _ := filepath.Glob("/run/netns/*")
	for _, m := range mounts {
		ino, err := inodeOf(m)
		if err != nil {
			continue
		}
		if i, ok := index[ino]; ok {
			list[i].mount = m
			continue
		}
		index[ino] = len(list)
		list = append(list, candidate{inode: ino, mount: m})
	}
	return list, denied, nil
}

// hasAddr says whether an interface of the calling thread's network namespace has addr.
func hasAddr(addr netip.Addr) (bool, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false, err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == addr {
				return true, nil
			}
		}
	}
	return false, nil
}

// errNeedSysAdmin is what setns answers without CAP_SYS_ADMIN.
var errNeedSysAdmin = errors.New("entering a network namespace needs CAP_SYS_ADMIN: run the agent as root (with the pod transport, --privileged)")

// enter moves the calling thread into the namespace of one of paths. The caller has locked
// its OS thread and never unlocks it: the runtime then ends the thread with the goroutine,
// so no other goroutine ever runs in a pod's namespace.
func enter(paths []string) error {
	var last error
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			last = err
			continue // the process exited meanwhile: try the next one
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if errors.Is(err, unix.EPERM) {
			return errNeedSysAdmin
		}
		if err == nil {
			return nil
		}
		last = err
	}
	return last
}

// Found is the network namespace holding an address.
type Found struct {
	Inode uint32
	Pids  []int
	Mount string
}

// find moves the calling (locked) thread into the namespace holding addr. own is the
// agent's own namespace, which the thread is in when find starts; it is checked first,
// without entering anything (a hostNetwork pod, or a test from the node itself).
func find(addr netip.Addr, own uint32) (Found, error) {
	list, denied, err := candidates()
	if err != nil {
		return Found{}, fmt.Errorf("cannot list the processes of this node: %v", err)
	}
	for _, c := range list {
		if c.inode == own {
			if ok, err := hasAddr(addr); err == nil && ok {
				return Found{Inode: c.inode, Pids: c.pids, Mount: c.mount}, nil
			}
		}
	}
	entered := 0
	for _, c := range list {
		if c.inode == own {
			continue
		}
		if err := enter(c.paths()); err != nil {
			if errors.Is(err, errNeedSysAdmin) && denied > 0 {
				return Found{}, errors.New("entering a network namespace needs CAP_SYS_ADMIN (and opening those of other users' processes CAP_SYS_PTRACE): run the agent as root (with the pod transport, --privileged)")
			}
			if errors.Is(err, errNeedSysAdmin) {
				return Found{}, err
			}
			continue
		}
		entered++
		if ok, err := hasAddr(addr); err == nil && ok {
			return Found{Inode: c.inode, Pids: c.pids, Mount: c.mount}, nil
		}
	}
	if denied > 0 {
		return Found{}, fmt.Errorf("no network namespace the agent could open has %s (%d, and those of %d processes could not be opened: permission denied): is the pod on this node (and running)? If it is, an active test needs CAP_SYS_ADMIN and CAP_SYS_PTRACE: run the agent as root (with the pod transport, --privileged)", addr, entered+1, denied)
	}
	return Found{}, fmt.Errorf("no network namespace on this node has %s: is the pod on this node (and running)?", addr)
}
