# Shared by the lab's scripts (sourced, not run). Paths, logging, small helpers.
# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the scripts

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$LAB_DIR/versions.env"

LAB_CACHE="${PATHLIGHT_LAB_CACHE:-${HOME:-/root}/.cache/pathlight-lab}"
LAB_STATE="$LAB_DIR/.state"
# The probe agent (built by native/, another part of the repo). Optional: when it exists, setup.sh
# packs it as the image pathlight.local/probe:lab and test.sh runs it on the node.
LAB_PROBE="${PATHLIGHT_PROBE:-$(cd "$LAB_DIR/../.." && pwd)/native/dist/linux-amd64/pathlight-probe}"

K8S_BIN="$LAB_CACHE/k8s-$K8S_VERSION/bin"
COREDNS_BIN="$LAB_CACHE/coredns-$COREDNS_VERSION/bin"
KUBE_ROUTER_BIN="$LAB_CACHE/kube-router-$KUBE_ROUTER_VERSION/bin"

log() { printf '%s lab: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# lab_lock: one lab operation at a time on this machine (the lab's names and ports are fixed).
# Locks the shared build cache directory (flock on a directory: no lock file to clean up);
# children started with the lock held inherit it through PATHLIGHT_LAB_LOCKED.
lab_lock() {
  [ -n "${PATHLIGHT_LAB_LOCKED:-}" ] && return 0
  local d="$LAB_CACHE"; [ -d "$d" ] || d="$LAB_DIR"
  exec 9<"$d"
  if ! flock -n 9; then
    log "another lab operation (up/down/test) is running; waiting up to 10 min"
    flock -w 600 9 || die "gave up waiting for the other lab operation"
  fi
  export PATHLIGHT_LAB_LOCKED=1
}

need_root() {
  [ "$(id -u)" = 0 ] || die "the lab needs root (network namespaces, iptables, cgroups); run it as root"
}

# ---- topology (all of it lives inside the lab's network namespaces) ----
LAB_NETNS=pathlight-lab                 # the node's network namespace
LAB_NODE=pathlight-lab-node             # Node name, ssh_config Host
NODE_IP=172.30.0.2                      # on lab0 (a veth whose ends are both inside the node netns)
POD_CIDR=10.244.0.0/16                  # cluster CIDR; the node gets 10.244.0.0/24
NODE_POD_CIDR=10.244.0.0/24
SVC_CIDR=10.96.0.0/16
API_VIP=10.96.0.1
DNS_VIP=10.96.0.10
API_PORT="${PATHLIGHT_LAB_API_PORT:-16443}"   # host loopback -> node netns :6443
SSH_PORT="${PATHLIGHT_LAB_SSH_PORT:-12222}"   # host loopback -> node netns :22

# Runtime data outside the repo; down.sh removes all of it.
LAB_RUN=/run/pathlight-lab
LAB_DATA=/var/lib/pathlight-lab
LAB_CGROUP=pathlight-lab                # cgroup (v1, every controller) holding every lab process
CGROUP_CONTROLLERS="cpu cpuacct cpuset memory devices freezer blkio pids systemd"
# Host directories some lab component creates outside its configured dirs (the kubelet's
# device-plugins path is hard-coded, libmount keeps /run/mount/utab, ip netns makes /run/netns,
# CNI caches results in /var/lib/cni, …). up.sh records which existed; down.sh removes the others.
HOST_DIRS="/run/containerd /var/lib/cni /var/log/containers /var/log/pods /run/sshd /run/netns /var/lib/kubelet /run/mount"
CONTAINERD_SOCK="$LAB_RUN/containerd/containerd.sock"

# The node's UTS namespace (hostname = node name, as on a real node): daemons, sshd sessions
# and hostNetwork pods see it. Persistent like the netns: a bind mount under $LAB_RUN/ns.
LAB_UTS="$LAB_RUN/ns/uts"
in_node() {
  if [ -e "$LAB_UTS" ]; then nsenter --net="/run/netns/$LAB_NETNS" --uts="$LAB_UTS" -- "$@"
  else nsenter --net="/run/netns/$LAB_NETNS" -- "$@"; fi
}
# kubectl with the lab's admin kubeconfig; its discovery/HTTP cache stays in .state (not ~/.kube).
kc() { "$K8S_BIN/kubectl" --kubeconfig "$LAB_STATE/admin.kubeconfig" --cache-dir "$LAB_STATE/kube-cache" "$@"; }
ctr_lab() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds or fails with a message.
wait_for() {
  local t=$1 what=$2; shift 2
  local end=$(( $(date +%s) + t ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || { log "timed out after ${t}s waiting for $what"; return 1; }
    sleep 0.5
  done
}

# pid_alive PID: running (a zombie is not: this VM's PID 1 reaps orphans only now and then).
pid_alive() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# cgroups: this VM mounts cgroup v1 (tmpfs at /sys/fs/cgroup, one hierarchy per controller);
# a stock Debian 12 with systemd mounts the unified v2 hierarchy there. The lab works in both:
# one cgroup named $LAB_CGROUP (per hierarchy on v1) is the kubelet's cgroupRoot and holds
# every lab process, daemons in its "daemons" child.
cg_v2() { [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; }
# The cgroup whose tree holds every lab process (pids hierarchy on v1).
lab_cg_root() { if cg_v2; then echo "/sys/fs/cgroup/$LAB_CGROUP"; else echo "/sys/fs/cgroup/pids/$LAB_CGROUP"; fi; }
# Every cgroup directory the lab may create (for teardown and leftover checks).
lab_cg_dirs() {
  if cg_v2; then echo "/sys/fs/cgroup/$LAB_CGROUP"; return; fi
  local c; for c in $CGROUP_CONTROLLERS unified; do echo "/sys/fs/cgroup/$c/$LAB_CGROUP"; done
}

# All tasks (threads) in the lab's cgroups — daemons, port forwards, container processes — in
# every hierarchy, not only "pids" (a runtime killed half-way may leave a task in some of them
# only). Threads, not just processes: a process whose main thread has exited is no longer
# listed in cgroup.procs while its other threads still keep the cgroup busy.
lab_pids() {
  local d f; f=tasks; cg_v2 && f=cgroup.threads
  for d in $(lab_cg_dirs); do
    [ -d "$d" ] && find "$d" -name "$f" -exec cat {} + 2>/dev/null
  done | sort -un
}

# ---- health (up.sh, status.sh)
LAB_DAEMONS="etcd kube-apiserver forward-api forward-ssh kube-controller-manager kube-scheduler containerd kubelet kube-proxy kube-router sshd"
node_ready() {
  kc get node "$LAB_NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}
# dead_daemons: names of lab daemons that are not running (empty when all are).
dead_daemons() {
  local d
  for d in $LAB_DAEMONS; do
    [ -f "$LAB_RUN/pids/$d.pid" ] && pid_alive "$(cat "$LAB_RUN/pids/$d.pid")" || printf '%s ' "$d"
  done
}
lab_healthy() {
  [ -z "$(dead_daemons)" ] && [ -e "/run/netns/$LAB_NETNS" ] && [ -f "$LAB_STATE/admin.kubeconfig" ] &&
    kc get --raw /readyz >/dev/null 2>&1 && node_ready 2>/dev/null
}
