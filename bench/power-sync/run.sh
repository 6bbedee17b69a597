#!/usr/bin/env bash
# Power sync benchmark: for each server count, a fresh lab process and a fresh Ferrite (SQLite) process; Ferrite
# pinned to core 0, the lab and the driver to core 1 (POWER_SYNC_PIN=0 to not pin). See README.md.
# Usage: bench/power-sync/run.sh [--servers 1000[,10000]] [--workers 8,32,64] [--cycles 3] [--keep]
#   POWER_SYNC_10K=1 adds 10,000 servers to the default 1,000 (about 10 minutes more on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
servers=1000; [ "${POWER_SYNC_10K:-0}" = 1 ] && servers=1000,10000
workers=8,32,64; cycles=3; keep=0; port=${POWER_SYNC_PORT:-6410}
while [ $# -gt 0 ]; do
  case "$1" in
    --servers) servers=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --cycles) cycles=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$(nproc)" -ge 2 ] || export POWER_SYNC_PIN=0
pin=(); [ "${POWER_SYNC_PIN:-1}" = 1 ] && pin=(taskset -c 1)
root=$(mktemp -d /tmp/ferrite-power-sync.XXXXXX)
cleanup() {
  # Only the processes this run started: the driver's children, listed by PID in each run's pids file.
  for f in "$root"/*/pids; do [ -f "$f" ] && while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$f"; done
  if [ "$keep" = 1 ]; then echo "logs kept in $root"; else rm -rf "$root"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for n in ${servers//,/ }; do
  mkdir -p "$root/$n"
  "${pin[@]}" node --import tsx bench/power-sync/run.ts --servers "$n" --dir "$root/$n" --port "$port" \
    --workers "$workers" --cycles "$cycles" | tee "$root/$n/out.txt"
done
