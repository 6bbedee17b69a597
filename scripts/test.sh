#!/usr/bin/env bash
# The whole test suite: installs what is missing, type-checks, lints, and runs every test on SQLite and
# PostgreSQL (PostgreSQL tests are never skipped: the server is started, or installed, here).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/postgres-env.sh
echo "== typecheck"; npx tsc --noEmit && npx tsc --noEmit -p ui
echo "== lint"; npx eslint --max-warnings 0 .
# The agent program lab servers network-boot is Ferrite's own bundle, served by the service under test.
echo "== bundle"; node scripts/bundle.mjs
# The browser UI the acceptance tests drive in Chromium, built as `ferrite serve` serves it.
echo "== ui"; node scripts/build-ui.mjs --force
echo "== tests"
files=$(find test -name '*.test.ts' | sort)
# Each test file starts its own services; two at a time fit two cores.
node --import tsx --test --test-concurrency="${FERRITE_TEST_CONCURRENCY:-2}" $files
