package agent

import (
	"testing"

	"pathlight.dev/native/internal/probes"
)

// The container id and the pod's uid come from the names container runtimes give cgroups.
func TestParseCgroup(t *testing.T) {
	id := "a712b9223a4e6bb01952e373813835046790f4910c87c947987eaeab9114f5c9"
	cases := []struct{ leaf, parent, container, pod string }{
		{"cri-containerd-" + id + ".scope", "kubepods-besteffort-pod60edf64d_906c_40b2_9925_3f6e53e521db.slice", id, "60edf64d-906c-40b2-9925-3f6e53e521db"},
		{id, "pod60edf64d-906c-40b2-9925-3f6e53e521db", id, "60edf64d-906c-40b2-9925-3f6e53e521db"},
		{"crio-" + id + ".scope", "kubepods-pod60edf64d_906c_40b2_9925_3f6e53e521db.slice", id, "60edf64d-906c-40b2-9925-3f6e53e521db"},
		{"docker-" + id + ".scope", "system.slice", id, ""},
		{"session-3.scope", "user-0.slice", "", ""},
		{"", "", "", ""},
	}
	for _, c := range cases {
		got := parseCgroup(c.leaf, c.parent)
		if got.container != c.container || got.podUID != c.pod {
			t.Errorf("%s in %s: container %q pod %q, want %q %q", c.leaf, c.parent, got.container, got.podUID, c.container, c.pod)
		}
	}
	if got := parseCgroup("x.scope", "p.slice").path; got != "p.slice/x.scope" {
		t.Errorf("path %q", got)
	}
}

// pid 0 is "not known": the line carries no proc rather than a made-up one.
func TestProcUnknownIsAbsent(t *testing.T) {
	env := decodeEnv{}
	if p := env.proc(probes.Proc{}); p != nil {
		t.Fatalf("%+v", p)
	}
	var comm [16]int8
	for i, c := range "curl" {
		comm[i] = int8(c)
	}
	p := env.proc(probes.Proc{Pid: 4121, Tid: 4122, CgroupId: 7, Comm: comm})
	if p == nil || p.Pid != 4121 || p.Tid != 4122 || p.Comm != "curl" || p.CgroupID != 7 || p.Cgroup != "" {
		t.Fatalf("%+v", p)
	}
}
