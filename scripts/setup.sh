#!/usr/bin/env bash
# Installs what Ferrite's tests need on a fresh Debian machine: Debian packages of the real peers the suite
# talks to, and the npm dependencies. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(postgresql python3-openstackclient python3-ironicclient ironic-tempest-plugin openssl python3-sushy redfishtool openipmi ipmitool freeipmi-tools python3-pyghmi socat qemu-utils chromium fonts-dejavu-core)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages (${missing[*]}); run as root or install them" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=900 "${missing[@]}" >/dev/null
fi

# npm ci only when the lock file changed since the last install (better-sqlite3 builds from source: ~2 min).
stamp=node_modules/.ferrite-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
