#!/usr/bin/env bash
# Power sync benchmark: for each server count, a fresh lab process and a fresh Ferrite (SQLite) process; Ferrite
# pinned to core 0, the lab and the driver to core 1 (POWER_SYNC_PIN=0 to not pin). See README.md.
# Usage: bench/power-sync/run.sh [--servers 1000[,10000]] [--workers 8,32,64] [--cycles 3] [--keep]
#                                [--protocol redfish|ipmi|both] [--ipmi-clients native,ipmitool] [--ipmi-base-port 0]
#   POWER_SYNC_10K=1 adds 10,000 servers to the default 1,000 (about 10 minutes more on 2 cores).
#   --protocol ipmi|both: default 100 servers, workers 8 and 10 cycles; both runs redfish first in the same invocation.
#   POWER_SYNC_IPMI_1K=1 (with ipmi or both) adds a run of 1,000 ipmi BMCs with the native client only
#   (1,000 ipmi_sim processes, ~6 GiB RSS).
set -euo pipefail
cd "$(dirname "$0")/../.."
servers=; workers=; cycles=; keep=0; port=${POWER_SYNC_PORT:-6410}
protocol=redfish; ipmi_clients=native,ipmitool; ipmi_base_port=0
while [ $# -gt 0 ]; do
  case "$1" in
    --servers) servers=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --cycles) cycles=$2; shift 2 ;;
    --protocol) protocol=$2; shift 2 ;;
    --ipmi-clients) ipmi_clients=$2; shift 2 ;;
    --ipmi-base-port) ipmi_base_port=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$protocol" in
  redfish)
    [ -n "$servers" ] || { servers=1000; [ "${POWER_SYNC_10K:-0}" = 1 ] && servers=1000,10000; }
    [ -n "$workers" ] || workers=8,32,64
    [ -n "$cycles" ] || cycles=3 ;;
  ipmi|both)
    [ -n "$servers" ] || servers=100
    [ -n "$workers" ] || workers=8
    # A 100-node cycle costs a few 10 ms ticks of CPU (/proc/<pid>/stat): 10 cycles keep the per-query figure to ±5 %.
    [ -n "$cycles" ] || cycles=10 ;;
  *) echo "--protocol: redfish, ipmi or both" >&2; exit 2 ;;
esac
[ "$(nproc)" -ge 2 ] || export POWER_SYNC_PIN=0
pin=(); [ "${POWER_SYNC_PIN:-1}" = 1 ] && pin=(taskset -c 1)
root=$(mktemp -d /tmp/ferrite-power-sync.XXXXXX)
cleanup() {
  # Only the processes this run started: the driver's children, listed by PID in each run's pids file.
  for f in "$root"/*/pids; do [ -f "$f" ] && while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$f"; done
  # The lab stops its ipmi_sim BMCs itself when it ends (and its watchdog if it is killed); any still running of
  # those it started (listed in ipmi-pids, checked by name) are stopped here.
  if compgen -G "$root/*/ipmi-pids" >/dev/null; then
    sleep 2
    for f in "$root"/*/ipmi-pids; do
      while read -r pid; do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = ipmi_sim ] && kill -KILL "$pid" 2>/dev/null || true
      done < "$f"
    done
  fi
  if [ "$keep" = 1 ]; then echo "logs kept in $root"; else rm -rf "$root"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
run() { # name, then run.ts arguments
  local name=$1; shift
  mkdir -p "$root/$name"
  "${pin[@]}" node --import tsx bench/power-sync/run.ts --dir "$root/$name" --port "$port" --cycles "$cycles" "$@" \
    | tee "$root/$name/out.txt"
}
for n in ${servers//,/ }; do
  if [ "$protocol" = redfish ]; then
    run "$n" --servers "$n" --workers "$workers"
  else
    run "$n" --servers "$n" --workers "$workers" --protocol "$protocol" --ipmi-clients "$ipmi_clients" \
      --ipmi-base-port "$ipmi_base_port"
  fi
done
if [ "$protocol" != redfish ] && [ "${POWER_SYNC_IPMI_1K:-0}" = 1 ]; then
  run ipmi-1000 --servers 1000 --workers "$workers" --protocol ipmi --ipmi-clients native --ipmi-base-port "$ipmi_base_port"
fi
