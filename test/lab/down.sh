#!/usr/bin/env bash
# Tears the lab down and removes everything up.sh created: every process (the whole lab
# cgroup tree: daemons, port forwards, containers), every mount, the node and pod network
# namespaces (and with them every iptables/ipset rule and conntrack entry, which only ever
# lived inside them), the cgroups, the runtime files and test/lab/.state. Restores the
# host-global sysctls the kubelet changes. Safe to run when the lab is down or half up.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_root
lab_lock

HOST_STATE="$LAB_RUN/host-state.env"
declare -A EXISTED=()
if [ -f "$HOST_STATE" ]; then
  while IFS='=' read -r k v; do
    case $k in
      EXISTED_*) EXISTED[$k]=$v ;;
    esac
  done < "$HOST_STATE"
fi

# 1. Processes: ask the daemons to stop (kubelet first so it does not restart containers),
#    then kill whatever is left anywhere in the lab cgroup tree.
for name in kubelet kube-router kube-proxy kube-scheduler kube-controller-manager sshd forward-api forward-ssh; do
  f="$LAB_RUN/pids/$name.pid"
  [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true
done
for i in $(seq 1 20); do
  [ -z "$(lab_pids)" ] && break
  pids=$(lab_pids)
  # Everything gets SIGTERM (etcd and containerd exit cleanly within a second), whatever is
  # still there after ~2 s gets SIGKILL: it is all lab workload and all deleted anyway.
  kill -TERM $pids 2>/dev/null || true
  sleep 0.25
  [ -z "$(lab_pids)" ] && break
  # shellcheck disable=SC2046  # one pid per word
  [ "$i" -ge 8 ] && kill -KILL $(lab_pids) 2>/dev/null || true
done
left=$(lab_pids)
[ -z "$left" ] || die "processes still alive in the lab cgroup after SIGKILL: $left"

# 2. Mounts: overlay rootfs, shm, netns bind mounts, kubelet volumes (deepest first).
umount_under() {
  local prefix=$1 m
  { awk '{print $5}' /proc/self/mountinfo | grep -E "^$prefix(/|$)" || true; } | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done
}
umount_under "$LAB_RUN"
umount_under "$LAB_DATA"

# 3. Network namespaces: the node's, and any pod netns containerd left (they live under
#    $LAB_RUN and were unmounted above). Deleting a netns deletes its interfaces, routes,
#    iptables/nft rules, ipsets and conntrack entries.
if [ -e "/run/netns/$LAB_NETNS" ]; then
  ip netns delete "$LAB_NETNS" 2>/dev/null || { umount "/run/netns/$LAB_NETNS" 2>/dev/null; rm -f "/run/netns/$LAB_NETNS"; }
fi
if [ -z "${EXISTED[EXISTED__run_netns]:-}" ] && [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ] && [ -f "$HOST_STATE" ]; then
  # ip netns made it a (shared) mount point of itself.
  umount /run/netns 2>/dev/null || true
  rmdir /run/netns 2>/dev/null || true
fi

# 4. cgroups, deepest first.
for d in $(lab_cg_dirs); do
  [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  [ -d "$d" ] && log "could not remove cgroup $d"
done

# 5. Host-global sysctls the kubelet changed.
if [ -f "$LAB_RUN/sysctl.saved" ]; then
  while IFS= read -r kv; do sysctl -qw "$kv" || log "could not restore sysctl $kv"; done < "$LAB_RUN/sysctl.saved"
fi

# 6. Files. Shared host directories are removed only if the lab created them; otherwise only
#    the lab's own entries in them.
rm -f /var/lib/cni/results/pathlight-lab-* 2>/dev/null || true
for d in /var/log/containers /var/log/pods; do
  [ -d "$d" ] || continue
  find "$d" -maxdepth 1 -lname "$LAB_DATA/*" -delete 2>/dev/null || true
done
rm_if_ours() { # DIR KEY: remove DIR if it did not exist before up.sh
  [ -f "$HOST_STATE" ] && [ -z "${EXISTED[$2]:-}" ] && [ -e "$1" ] && rm -rf "$1"
  return 0
}
rm_if_ours /var/lib/cni EXISTED__var_lib_cni
rm_if_ours /var/log/containers EXISTED__var_log_containers
rm_if_ours /var/log/pods EXISTED__var_log_pods
rm_if_ours /run/containerd EXISTED__run_containerd
rm_if_ours /var/lib/kubelet EXISTED__var_lib_kubelet
[ -f "$HOST_STATE" ] && [ -z "${EXISTED[EXISTED__run_mount]:-}" ] && { rm -f /run/mount/utab; rmdir /run/mount 2>/dev/null || true; }
[ -f "$HOST_STATE" ] && [ -z "${EXISTED[EXISTED__run_sshd]:-}" ] && { rmdir /run/sshd 2>/dev/null || true; }
owner=$(sed -n 's/^LAB_OWNER_DIR=//p' "$HOST_STATE" 2>/dev/null || true)
# The lab may have been started from another checkout: its .state holds this lab's keys.
[ -n "$owner" ] && [ "$owner" != "$LAB_DIR" ] && [ -d "$owner/.state" ] && rm -rf "$owner/.state"
rm -rf "$LAB_DATA" "$LAB_RUN" "$LAB_STATE"
log "lab down"
