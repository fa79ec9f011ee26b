#!/usr/bin/env bash
# What each lab node costs while the lab is up: resident memory (RSS) and CPU over an idle
# window, per node, split into the node's daemons, its containerd shims and its pods; the
# control plane (node 1 only) on its own line. Needs root and a running lab.
#
#   bench/lab/nodes.sh [SECONDS]     # CPU window, default 30
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/test/lab/lib.sh"
need_root
win="${1:-30}"
n=$(lab_nodes)
lab_healthy || die "the lab is not up (test/lab/up.sh)"

pidof_daemon() { local f="$LAB_RUN/pids/$1.pid"; [ -f "$f" ] && cat "$f"; }
# A daemon's pid file holds the nsenter/setsid wrapper's pid, which exec'd the daemon: same pid.
cp_pids() { local d; for d in $LAB_CP_DAEMONS; do pidof_daemon "$d"; done; }
daemon_pids() { local k=$1 d; for d in $LAB_NODE_DAEMONS; do pidof_daemon "$d$(node_sfx "$k")"; done; }
# sshd's and the forwards' children (sessions) are not counted: none while idle.
shim_pids() { pgrep -f "containerd-shim-runc-v2 .*-address $(node_containerd_sock "$1")( |$)" || true; }
pod_pids() {
  local k=$1 d
  d="/sys/fs/cgroup/pids/$LAB_CGROUP/kubepods"; [ "$k" = 1 ] || d="/sys/fs/cgroup/pids/$LAB_CGROUP/node-$k/kubepods"
  cg_v2 && { d="/sys/fs/cgroup/$LAB_CGROUP/kubepods"; [ "$k" = 1 ] || d="/sys/fs/cgroup/$LAB_CGROUP/node-$k/kubepods"; }
  [ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -un
}
rss_kib() { local s=0 p r; for p in "$@"; do r=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) && s=$((s + ${r:-0})); done; echo "$s"; }
ticks() { local s=0 p t; for p in "$@"; do t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}') && s=$((s + ${t:-0})); done; echo "$s"; }

declare -A P
P[cp]="$(cp_pids | xargs)"
for k in $(seq 1 "$n"); do
  P[d$k]="$(daemon_pids "$k" | xargs)"; P[s$k]="$(shim_pids "$k" | xargs)"; P[p$k]="$(pod_pids "$k" | xargs)"
done
declare -A T0
for key in "${!P[@]}"; do
  # shellcheck disable=SC2086  # pid lists
  T0[$key]=$(ticks ${P[$key]})
done
sleep "$win"
hz=$(getconf CLK_TCK)
line() { # LABEL KEYS...
  local label=$1 rss=0 cpu=0 key; shift
  for key in "$@"; do
    # shellcheck disable=SC2086
    rss=$((rss + $(rss_kib ${P[$key]}))); cpu=$((cpu + $(ticks ${P[$key]}) - ${T0[$key]}))
  done
  printf '%-28s %7.0f MiB  %5.1f %% of one core\n' "$label" "$(echo "$rss / 1024" | bc -l)" "$(echo "100 * $cpu / $hz / $win" | bc -l)"
}
echo "lab: $n node(s), CPU over ${win}s idle (the scenarios' 5-second traffic included)"
line "control plane (node 1)" cp
for k in $(seq 1 "$n"); do
  # shellcheck disable=SC2086
  printf '%s: %s pods, %s shims\n' "$(node_name "$k")" "$(kc get pods -A --field-selector spec.nodeName="$(node_name "$k")" --no-headers 2>/dev/null | wc -l)" "$(echo ${P[s$k]} | wc -w)"
  line "  daemons" "d$k"
  line "  shims + pods" "s$k" "p$k"
  line "  node total" "d$k" "s$k" "p$k"
done
