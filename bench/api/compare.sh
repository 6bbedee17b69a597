#!/usr/bin/env bash
# Starts a fresh Ferrite (SQLite, port 6400, pinned to core 0) and runs bench/api/run.ts against it. With
# `--ironic START_SCRIPT` (the reference scripts' start-ironic.sh) OpenStack Ironic is started too and measured
# first in the same run as the baseline, with its own node count (`--baseline-nodes`, default 1000).
# `--postgres ADMIN_URL` (e.g. postgresql://postgres@127.0.0.1:5432/postgres) runs Ferrite on a fresh PostgreSQL
# database made there (and dropped at the end) instead of SQLite.
# Usage: bench/api/compare.sh [--nodes 10000] [--ironic path/to/start-ironic.sh] [--baseline-nodes 1000]
#                             [--postgres ADMIN_URL]
set -euo pipefail
cd "$(dirname "$0")/../.."
nodes=10000; ironic=""; baseline_nodes=1000; postgres=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --ironic) ironic=$2; shift 2 ;;
    --baseline-nodes) baseline_nodes=$2; shift 2 ;;
    --postgres) postgres=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
# wrk drives the show benchmark; Debian packages it.
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
  else echo "wrk is missing: apt-get install wrk" >&2; exit 2; fi
fi
dir=$(mktemp -d)
connection=sqlite:///bench.db
if [ -n "$postgres" ]; then
  bench_db="ferrite_bench_$$"
  psql "$postgres" -qc "CREATE DATABASE $bench_db" >/dev/null
  connection="${postgres%/*}/$bench_db"
fi
cat > "$dir/ferrite.conf" <<INI
[DEFAULT]
state_path = $dir
log_level = warn
[api]
port = 6400
[database]
connection = $connection
INI
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} taskset -c 0 node ${FERRITE_NODE_FLAGS:---max-semi-space-size=2} bin/ferrite.js serve --config "$dir/ferrite.conf" > "$dir/ferrite.log" 2>&1 &
ferrite_pid=$!
pids=("$ferrite_pid")
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  if [ -n "$postgres" ]; then
    sleep 1
    psql "$postgres" -qc "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:6400/ >/dev/null && break; sleep 0.2; done
args=(--url http://127.0.0.1:6400 --pid "$ferrite_pid" --nodes "$nodes")
if [ -n "$ironic" ]; then
  ironic_pid=$(sh "$ironic" | tail -1)
  pids+=("$ironic_pid")
  args+=(--baseline-url http://127.0.0.1:6385 --baseline-pid "$ironic_pid" --baseline-nodes "$baseline_nodes" --stop-baseline)
fi
taskset -c 1 node --import tsx bench/api/run.ts "${args[@]}"
