#!/usr/bin/env bash
# Agent image pipeline benchmark: Ferrite's writeImage against `curl -s URL | tee FILE | sha256sum`, same loopback
# server, same run. See README.md.
# Usage: bench/deploy/pipeline.sh [--size-mib 2048] [--runs 3] [--chunk-mib 1] [--dir DIR] [--keep]
set -euo pipefail
cd "$(dirname "$0")/../.."
size=2048; runs=3; chunk=1; parent=${TMPDIR:-/tmp}; keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mib) size=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --chunk-mib) chunk=$2; shift 2 ;;
    --dir) parent=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in curl tee sha256sum openssl sync /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (curl: Debian package curl; python3: python3)" >&2; exit 2; }
done
root=$(mktemp -d "$parent/ferrite-deploy-bench.XXXXXX")
cleanup() {
  # Only what this run started (PIDs written by pipeline.ts), then its big files.
  [ -f "$root/pids" ] && while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$root/pids"
  if [ "$keep" = 1 ]; then echo "files kept in $root"; else rm -rf "$root"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Three files of the image's size live at once (image, curl's copy, the disk file): ask for 3× plus 1 GiB.
free_mib=$(df -Pm "$root" | awk 'NR==2 {print $4}')
need=$((size * 3 + 1024))
if [ "$free_mib" -lt "$need" ]; then
  smaller=$(( (free_mib - 1024) / 3 / 64 * 64 ))
  [ "$smaller" -ge 64 ] || { echo "only ${free_mib} MiB free in $parent" >&2; exit 2; }
  echo "NOTE: only ${free_mib} MiB free in $parent; image size reduced from ${size} to ${smaller} MiB"
  size=$smaller
fi
node --import tsx bench/deploy/pipeline.ts --dir "$root" --size-mib "$size" --runs "$runs" --chunk-mib "$chunk"
