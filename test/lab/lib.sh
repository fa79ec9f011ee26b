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
# Cilium (LAB_CNI=cilium): built by test/lab/cilium/build.sh; see README "Cilium".
CILIUM_OUT="$LAB_CACHE/cilium-$CILIUM_VERSION"

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

# ---- topology (all of it lives inside the lab's network namespaces)
# LAB_NODES worker nodes (1..3, default 2). Node 1 also runs the control plane. Each node is its
# own network namespace with its own containerd, kubelet, kube-proxy, kube-router and sshd; the
# nodes' "NICs" (lab0) are veths into one bridge that lives in a namespace of its own
# ($LAB_NET_NETNS) with no link to the host. Node k: name node_name k, IP 172.30.0.(k+1),
# pods 10.244.(k-1).0/24, SSH forward on $SSH_PORT + k - 1. Node 1 keeps the single-node lab's
# names and paths; the others add a "-k" suffix (node_sfx).
LAB_NETNS=pathlight-lab                 # node 1's network namespace
LAB_NET_NETNS=pathlight-lab-net         # the lab bridge's namespace (the "switch" between the nodes)
LAB_BRIDGE=labbr0
LAB_NODE=pathlight-lab-node             # node 1's Node name and ssh_config Host
NODE_IP=172.30.0.2                      # node 1, on lab0
POD_CIDR=10.244.0.0/16                  # cluster CIDR; node k gets 10.244.(k-1).0/24
NODE_POD_CIDR=10.244.0.0/24             # node 1's
SVC_CIDR=10.96.0.0/16
API_VIP=10.96.0.1
DNS_VIP=10.96.0.10
API_PORT="${PATHLIGHT_LAB_API_PORT:-16443}"   # host loopback -> node 1's netns :6443
SSH_PORT="${PATHLIGHT_LAB_SSH_PORT:-12222}"   # host loopback -> node 1's netns :22 (node k: + k - 1)
LAB_MAX_NODES=3

node_sfx() { [ "$1" = 1 ] || printf -- '-%s' "$1"; }
node_name() { echo "$LAB_NODE$(node_sfx "$1")"; }
node_netns() { echo "$LAB_NETNS$(node_sfx "$1")"; }
node_ip() { echo "172.30.0.$(( $1 + 1 ))"; }
node_pod_cidr() { echo "10.244.$(( $1 - 1 )).0/24"; }
node_ssh_port() { echo $(( SSH_PORT + $1 - 1 )); }
# Runtime data outside the repo; down.sh removes all of it.
LAB_RUN=/run/pathlight-lab
LAB_DATA=/var/lib/pathlight-lab
LAB_CGROUP=pathlight-lab                # cgroup (v1, every controller) holding every lab process
CGROUP_CONTROLLERS="cpu cpuacct cpuset memory devices freezer blkio pids systemd"
# Host directories some lab component creates outside its configured dirs (the kubelet's
# device-plugins path is hard-coded, libmount keeps /run/mount/utab, ip netns makes /run/netns,
# CNI caches results in /var/lib/cni, …). up.sh records which existed; down.sh removes the others.
HOST_DIRS="/run/containerd /var/lib/cni /var/log/containers /var/log/pods /run/sshd /run/netns /var/lib/kubelet /run/mount"
# cilium-agent's sockets (API, Hubble, monitor) and pid file have fixed paths under
# /var/run/cilium, and cilium-cni finds the agent there: with LAB_CNI=cilium it is a host dir too
# (node 1's agent uses it; node k > 1 binds its own directory over it, see node_mnt).
CILIUM_HOST_DIRS="/run/cilium"
CONTAINERD_SOCK="$LAB_RUN/containerd/containerd.sock"   # node 1's

# A node's UTS namespace (hostname = node name, as on a real node): daemons, sshd sessions
# and hostNetwork pods see it. Persistent like the netns: a bind mount under $LAB_RUN/ns.
LAB_UTS="$LAB_RUN/ns/uts"
node_uts() { echo "$LAB_UTS$(node_sfx "$1")"; }
# Runtime and data directories of node k (node 1: the lab's own, as in the single-node lab).
node_run() { if [ "$1" = 1 ]; then echo "$LAB_RUN"; else echo "$LAB_RUN/node-$1"; fi; }
node_data() { if [ "$1" = 1 ]; then echo "$LAB_DATA"; else echo "$LAB_DATA/node-$1"; fi; }
node_containerd_sock() { echo "$(node_run "$1")/containerd/containerd.sock"; }
# With LAB_CNI=cilium, node k > 1 also has a mount namespace of its own (up.sh makes it, a bind
# mount under $LAB_RUN/ns keeps it), where /run/cilium is node k's own directory
# (node_cilium_run): its cilium-agent, and the containerd (cilium-cni), kubelet and sshd of the
# node, find that node's agent at Cilium's fixed paths (/var/run/cilium/cilium.sock,
# hubble.sock), as on a real node. Node 1 has none: its agent uses the host's /run/cilium. The
# namespace is a slave copy of the host's, made after the node netns: /run/netns, /proc, the
# cgroup and every other host mount stay visible.
node_mnt() { echo "$LAB_RUN/ns/mnt$(node_sfx "$1")"; }
node_cilium_dir() { echo "$(node_run "$1")/cilium"; }   # the agent's state dir and bpffs
node_cilium_run() { if [ "$1" = 1 ]; then echo /run/cilium; else echo "$(node_cilium_dir "$1")/run"; fi; }
# node_ns_args K: nsenter's options for node K's namespaces (network, UTS once made, mount if any).
node_ns_args() {
  local k=$1
  printf '%s\n' "--net=/run/netns/$(node_netns "$k")"
  [ -e "$(node_uts "$k")" ] && printf '%s\n' "--uts=$(node_uts "$k")"
  # (entering a mount namespace resets the working directory: keep ours)
  [ -e "$(node_mnt "$k")" ] && printf '%s\n' "--mount=$(node_mnt "$k")" "--wd=$PWD"
  return 0
}
# in_node_k K COMMAND...: run COMMAND in node K's network (and UTS, and mount) namespaces.
in_node_k() {
  local k=$1 args; shift
  mapfile -t args < <(node_ns_args "$k")
  nsenter "${args[@]}" -- "$@"
}
in_node() { in_node_k 1 "$@"; }
# The number of nodes of the running lab (recorded by up.sh), else the one asked for.
lab_nodes() {
  local n
  n=$(cat "$LAB_RUN/nodes" 2>/dev/null) || n=""
  echo "${n:-${LAB_NODES:-2}}"
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

# The CNI and NetworkPolicy enforcer of the running lab (recorded by up.sh in $LAB_RUN/lab-cni), else LAB_CNI, else
# kube-router: "kube-router" (ptp CNI + kube-router's firewall) or "cilium" (cilium-agent is
# both).
lab_cni() {
  local c
  c=$(cat "$LAB_RUN/lab-cni" 2>/dev/null) || c=""
  echo "${c:-${LAB_CNI:-kube-router}}"
}

# ---- building (setup.sh, cilium/build.sh)
# apt_install LABEL PACKAGES…: installs the Debian packages that are missing (root, once).
apt_install() {
  local label=$1 missing=() p; shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then log "$label: all packages present"; return; fi
  need_root
  log "$label: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# go_env: Go builds share one module cache and build cache inside the lab cache, so the first
# build is measurably "cold" and later clones on the same machine reuse everything; static
# binaries, the pinned toolchain (fetched from the module proxy when the one on PATH differs).
go_env() {
  export GOMODCACHE="$LAB_CACHE/go/mod" GOCACHE="$LAB_CACHE/go/build"
  export CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false"
  command -v go >/dev/null || die "go is not on PATH: install Go >= 1.21 (the lab then fetches $GO_TOOLCHAIN from the module proxy)"
  if [ "$(GOTOOLCHAIN=local go env GOVERSION)" = "$GO_TOOLCHAIN" ]; then
    export GOTOOLCHAIN=local
  else
    export GOTOOLCHAIN="$GO_TOOLCHAIN" # go downloads exactly this toolchain (module proxy)
    log "go on PATH is $(GOTOOLCHAIN=local go env GOVERSION); building with $GO_TOOLCHAIN"
  fi
}

# ---- health (up.sh, status.sh)
LAB_CP_DAEMONS="etcd kube-apiserver forward-api kube-controller-manager kube-scheduler"
LAB_NODE_DAEMONS="containerd kubelet kube-proxy kube-router sshd forward-ssh"
# lab_daemons [N]: every daemon's name (pid file, log) for an N-node lab.
lab_daemons() {
  local n=${1:-$(lab_nodes)} k d out="$LAB_CP_DAEMONS" node_daemons="$LAB_NODE_DAEMONS"
  if [ "$(lab_cni)" = cilium ]; then
    out="$out cilium-operator"
    node_daemons=${node_daemons/kube-router/cilium-agent}
  fi
  for k in $(seq 1 "$n"); do for d in $node_daemons; do out="$out $d$(node_sfx "$k")"; done; done
  echo "$out"
}
node_ready_k() {
  kc get node "$(node_name "$1")" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}
node_ready() { node_ready_k 1; }
all_nodes_ready() {
  local k
  for k in $(seq 1 "$(lab_nodes)"); do node_ready_k "$k" || return 1; done
}
# dead_daemons: names of lab daemons that are not running (empty when all are).
dead_daemons() {
  local d
  for d in $(lab_daemons); do
    [ -f "$LAB_RUN/pids/$d.pid" ] && pid_alive "$(cat "$LAB_RUN/pids/$d.pid")" || printf '%s ' "$d"
  done
}
lab_healthy() {
  local k
  [ -z "$(dead_daemons)" ] && [ -f "$LAB_STATE/admin.kubeconfig" ] || return 1
  for k in $(seq 1 "$(lab_nodes)"); do [ -e "/run/netns/$(node_netns "$k")" ] || return 1; done
  kc get --raw /readyz >/dev/null 2>&1 && all_nodes_ready 2>/dev/null
}
