#!/usr/bin/env bash
# Is the lab up? Prints one line per fact and exits 0 when the lab is healthy, 1 otherwise
# (for test suites that need the lab: fail fast with a clear message instead of timing out).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
if [ ! -d "$LAB_RUN" ] && [ ! -e "/run/netns/$LAB_NETNS" ]; then
  echo "lab: down (start it with test/lab/up.sh)"; exit 1
fi
dead=$(dead_daemons)
[ -z "$dead" ] && echo "lab: all daemons running" || echo "lab: not running: $dead"
if kc get --raw /readyz >/dev/null 2>&1; then echo "lab: API https://127.0.0.1:$API_PORT ready"; else echo "lab: API not ready"; fi
for k in $(seq 1 "$(lab_nodes)"); do
  n=$(node_name "$k")
  node_ready_k "$k" 2>/dev/null && echo "lab: node $n Ready ($(node_ip "$k"), pods $(node_pod_cidr "$k"), ssh -F $LAB_STATE/ssh_config $n)" ||
    echo "lab: node $n not Ready"
done
# The Cilium lab: each node's agent, on its own API socket (informative; lab_healthy decides).
if [ "$(lab_cni)" = cilium ]; then
  for k in $(seq 1 "$(lab_nodes)"); do
    st=$(in_node_k "$k" timeout 5 "$CILIUM_OUT/bin/cilium-dbg" status --brief 2>&1 | head -n 1)
    echo "lab: cilium-agent on $(node_name "$k"): ${st:-no answer} (Hubble: unix://$(node_cilium_run "$k")/hubble.sock here, /var/run/cilium/hubble.sock over its ssh)"
  done
fi
pods=$(kc get pods -A -l pathlight.dev/lab-scenario --no-headers 2>/dev/null | awk '{print $4}' | sort | uniq -c | awk '{printf "%s %s, ", $1, $2}')
echo "lab: scenario pods: ${pods%, }"
if lab_healthy; then echo "lab: up (KUBECONFIG=$LAB_STATE/admin.kubeconfig)"; exit 0; fi
echo "lab: unhealthy (test/lab/up.sh repairs it by starting over)"; exit 1
