#!/usr/bin/env bash
# Lab benchmark: how long the real cluster takes to come up and go down from cached builds.
# Runs up.sh / down.sh N times (default 3) and reports the median and the range; writes
# bench/results/lab.json. Needs root and a finished test/lab/setup.sh.
#
#   bench/lab/run.sh [N]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
lab="$root/test/lab"
n="${1:-3}"
. "$lab/lib.sh"
need_root

ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

"$lab/down.sh" >/dev/null 2>&1 || true
ups=() downs=() dns=()
for i in $(seq 1 "$n"); do
  t0=$(ms); "$lab/up.sh" >/dev/null 2>&1 || die "up.sh failed (run it alone to see why)"; t1=$(ms)
  ups+=($((t1 - t0)))
  # First answer from CoreDNS inside a pod, measured from a fresh exec (the lab is already up).
  t0=$(ms); kc -n lab-healthy exec deploy/frontend -- nslookup backend.lab-healthy.svc.cluster.local >/dev/null; t1=$(ms)
  dns+=($((t1 - t0)))
  t0=$(ms); "$lab/down.sh" >/dev/null 2>&1; t1=$(ms)
  downs+=($((t1 - t0)))
  echo "run $i: up ${ups[-1]} ms, exec+nslookup ${dns[-1]} ms, down ${downs[-1]} ms"
done

up_med=$(printf '%s\n' "${ups[@]}" | median); down_med=$(printf '%s\n' "${downs[@]}" | median)
dns_med=$(printf '%s\n' "${dns[@]}" | median)
pods=$(( $(ls "$lab"/scenarios/*.yaml | wc -l) * 3 + 1 ))
echo "lab up (all $pods pods Running): median ${up_med} ms over $n runs (min $(printf '%s\n' "${ups[@]}" | sort -n | head -1), max $(printf '%s\n' "${ups[@]}" | sort -n | tail -1))"
echo "lab down: median ${down_med} ms; kubectl exec + nslookup in a pod: median ${dns_med} ms"
echo "reproduce: sudo bench/lab/run.sh $n"
mkdir -p "$root/bench/results"
cat > "$root/bench/results/lab.json" <<JSON
{
  "benchmark": "lab",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "machine": "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)",
  "runs": $n,
  "pods": $pods,
  "upMs": {"median": $up_med, "all": [$(IFS=,; echo "${ups[*]}")]},
  "downMs": {"median": $down_med, "all": [$(IFS=,; echo "${downs[*]}")]},
  "execNslookupMs": {"median": $dns_med, "all": [$(IFS=,; echo "${dns[*]}")]},
  "versions": {"kubernetes": "$K8S_VERSION", "coredns": "$COREDNS_VERSION", "kubeRouter": "$KUBE_ROUTER_VERSION"}
}
JSON
