#!/usr/bin/env bash
# Tears the lab down and removes everything up.sh created: every process (the whole lab
# cgroup tree: daemons, port forwards, containers), every mount, the node and pod network
# namespaces (and with them every iptables/ipset rule and conntrack entry, which only ever
# lived inside them), the cgroups, the runtime files and test/lab/.state. Restores the
# host-global sysctls the kubelet changes. Safe to run when the lab is down or half up.
#
# Best effort: every step runs even when an earlier one had trouble; anything that could not
# be removed is listed at the end and the exit status is 1. Running it again finishes the job.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_root
lab_lock

PROBLEMS=()
problem() { PROBLEMS+=("$*"); log "$*"; }

HOST_STATE="$LAB_RUN/host-state.env"
declare -A EXISTED=()
if [ -f "$HOST_STATE" ]; then
  while IFS='=' read -r k v; do
    case $k in
      EXISTED_*) EXISTED[$k]=$v ;;
    esac
  done < "$HOST_STATE"
fi
existed() { [ -n "${EXISTED[EXISTED_${1//[\/]/_}]:-}" ]; }
# ours DIR: DIR did not exist before up.sh (only known when up.sh recorded the host state)
ours() { [ -f "$HOST_STATE" ] && ! existed "$1" && [ -e "$1" ]; }

# 1. Processes. SIGTERM to the daemons (kubelet first so it stops restarting containers), then
#    to everything in the lab cgroup tree; after ~2 s SIGKILL to whatever is left. A killed
#    process can take a moment to leave its cgroup (exit of a large address space, a task in
#    uninterruptible sleep), so wait up to 30 s before calling it a failure.
# (Every node a lab can have: the number of nodes may not be recorded after a crash.)
for k in $(seq 1 "$LAB_MAX_NODES"); do
  for name in kubelet kube-router cilium-agent kube-proxy; do
    f="$LAB_RUN/pids/$name$(node_sfx "$k").pid"
    [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
  done
done
for name in cilium-operator kube-scheduler kube-controller-manager sshd sshd-2 sshd-3 forward-api forward-ssh forward-ssh-2 forward-ssh-3; do
  f="$LAB_RUN/pids/$name.pid"
  [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
done
t_kill=$(date +%s); deadline=$(( t_kill + 30 )) i=0
# describe PID: what a process that will not die is doing (for the report when stopping is slow)
describe() {
  local p=$1
  printf 'pid %s %s state=%s wchan=%s cgroup=%s stack=%s\n' "$p" "$(cat "/proc/$p/comm" 2>/dev/null)" \
    "$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)" "$(cat "/proc/$p/wchan" 2>/dev/null)" \
    "$(grep -m1 pids "/proc/$p/cgroup" 2>/dev/null | cut -d: -f3)" \
    "$(head -n 4 "/proc/$p/stack" 2>/dev/null | awk '{print $2}' | paste -sd' ')"
}
# A frozen task does not die until thawed, and runc freezes a container's cgroup while it
# signals or updates it: if runc was killed in between, the cgroup would stay frozen.
thaw() {
  local f
  if cg_v2; then
    # (cgroups vanish while we walk them: silence the redirection errors too)
    find "$(lab_cg_root)" -name cgroup.freeze 2>/dev/null | while read -r f; do { echo 0 > "$f"; } 2>/dev/null; done
  elif [ -d "/sys/fs/cgroup/freezer/$LAB_CGROUP" ]; then
    find "/sys/fs/cgroup/freezer/$LAB_CGROUP" -name freezer.state 2>/dev/null | while read -r f; do
      grep -qx THAWED "$f" 2>/dev/null || { echo THAWED > "$f"; } 2>/dev/null
    done
  fi
}
described=0
while pids=$(lab_pids) && [ -n "$pids" ]; do
  i=$((i + 1))
  thaw
  if [ $described = 0 ] && [ $(( $(date +%s) - t_kill )) -ge 5 ]; then
    described=1
    log "still alive 5 s after SIGTERM/SIGKILL:"
    for p in $pids; do describe "$p" >&2; done
  fi
  # shellcheck disable=SC2086  # one pid per word
  if [ $i -le 8 ]; then kill -TERM $pids 2>/dev/null; else kill -KILL $pids 2>/dev/null; fi
  [ "$(date +%s)" -lt "$deadline" ] || break
  sleep 0.25
done
# (Seen once: a lab process outlived 3 s of SIGKILL. Say so when stopping takes long.)
[ $(( $(date +%s) - t_kill )) -le 5 ] || log "stopping the lab's processes took $(( $(date +%s) - t_kill ))s"
if [ -n "$(lab_pids)" ]; then
  for p in $(lab_pids); do
    problem "survived SIGKILL for 30 s: $(describe "$p")"
  done
fi

# 2. Mounts: overlay rootfs, shm, netns and UTS bind mounts, kubelet volumes (deepest first).
umount_under() {
  local prefix=$1 m
  { awk '{print $5}' /proc/self/mountinfo | grep -E "^$prefix(/|$)" || true; } | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "$m"
  done
}
for m in $(umount_under "$LAB_RUN") $(umount_under "$LAB_DATA"); do problem "could not unmount $m"; done

# 3. Network namespaces: every node's and the lab bridge's, and any pod netns containerd left
#    (they live under $LAB_RUN and were unmounted above). Deleting a netns deletes its
#    interfaces (the veths into the bridge with them), routes, iptables/nft rules, ipsets and
#    conntrack entries.
for ns in $(for k in $(seq 1 "$LAB_MAX_NODES"); do node_netns "$k"; done) "$LAB_NET_NETNS"; do
  [ -e "/run/netns/$ns" ] || continue
  ip netns delete "$ns" 2>/dev/null || { umount "/run/netns/$ns" 2>/dev/null; rm -f "/run/netns/$ns"; }
  [ -e "/run/netns/$ns" ] && problem "could not delete network namespace $ns"
done
if ours /run/netns && [ -z "$(ls -A /run/netns)" ]; then
  umount /run/netns 2>/dev/null   # ip netns made it a (shared) mount point of itself
  rmdir /run/netns 2>/dev/null || problem "could not remove /run/netns"
fi

# 4. cgroups, deepest first. The kernel refuses (EBUSY) until every task has fully exited,
#    which can lag behind the kill, so retry for up to 30 s in all, then say what is left.
deadline=$(( $(date +%s) + 30 )) t_cg=$(date +%s)
while :; do
  left=()
  for d in $(lab_cg_dirs); do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    [ -d "$d" ] && left+=("$d")
  done
  [ ${#left[@]} -eq 0 ] && break
  [ "$(date +%s)" -lt "$deadline" ] || break
  sleep 0.25
done
if [ ${#left[@]} -gt 0 ]; then
  for d in "${left[@]}"; do problem "could not remove cgroup $d"; done
  for p in $(lab_pids); do problem "  task still in a lab cgroup: $(describe "$p")"; done
elif [ $(( $(date +%s) - t_cg )) -gt 2 ]; then
  log "the lab's cgroups stayed busy for $(( $(date +%s) - t_cg ))s after the last process was killed"
fi

# 5. Host-global sysctls the kubelet changed.
if [ -f "$LAB_RUN/sysctl.saved" ]; then
  while IFS= read -r kv; do sysctl -qw "$kv" || problem "could not restore sysctl $kv"; done < "$LAB_RUN/sysctl.saved"
fi

# 6. Files. Shared host directories are removed only if the lab created them; otherwise only
#    the lab's own entries in them.
rm -f /var/lib/cni/results/pathlight-lab-* 2>/dev/null
for d in /var/log/containers /var/log/pods; do
  [ -d "$d" ] && find "$d" -maxdepth 1 -lname "$LAB_DATA/*" -delete 2>/dev/null
done
for d in /var/lib/cni /var/log/containers /var/log/pods /run/containerd /var/lib/kubelet; do
  ours "$d" && rm -rf "$d"
done
if ours /run/mount; then rm -f /run/mount/utab; rmdir /run/mount 2>/dev/null; fi
if ours /run/sshd; then rmdir /run/sshd 2>/dev/null; fi
# cilium-agent's fixed runtime dir (sockets, pid file), when the lab ran Cilium and created it.
if [ "$(sed -n 's/^LAB_CNI=//p' "$HOST_STATE" 2>/dev/null)" = cilium ] && ours /run/cilium; then
  rm -rf /run/cilium || problem "could not remove /run/cilium"
fi
owner=$(sed -n 's/^LAB_OWNER_DIR=//p' "$HOST_STATE" 2>/dev/null)
# The lab may have been started from another checkout: its .state holds this lab's keys.
if [ -n "$owner" ] && [ "$owner" != "$LAB_DIR" ] && [ -d "$owner/.state" ]; then rm -rf "$owner/.state"; fi
# Keep the record of the host state while something is left, so a second run can finish.
if [ ${#PROBLEMS[@]} -eq 0 ]; then
  rm -rf --one-file-system "$LAB_DATA" "$LAB_RUN" "$LAB_STATE"
  log "lab down"
  exit 0
fi
rm -rf "$LAB_STATE"
log "lab down with ${#PROBLEMS[@]} problem(s) — run test/lab/down.sh again:"
printf '  %s\n' "${PROBLEMS[@]}" >&2
exit 1
