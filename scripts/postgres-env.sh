# Sourced by scripts/test.sh: makes sure a PostgreSQL server answers on 127.0.0.1:5432 and exports
# FERRITE_TEST_PG_URL, an administrative URL tests use to create their own databases.
pg_url_ok() { psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }

if [ -z "${FERRITE_TEST_PG_URL:-}" ]; then
  for candidate in "postgresql://postgres@127.0.0.1:5432/postgres" "postgresql://postgres:ferrite-test@127.0.0.1:5432/postgres"; do
    if pg_url_ok "$candidate"; then FERRITE_TEST_PG_URL=$candidate; break; fi
  done
fi
if [ -z "${FERRITE_TEST_PG_URL:-}" ]; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
  if [ -z "$version" ]; then echo "test: PostgreSQL is not installed (scripts/setup.sh installs it)" >&2; exit 1; fi
  echo "test: starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  if pg_url_ok "postgresql://postgres@127.0.0.1:5432/postgres"; then
    FERRITE_TEST_PG_URL="postgresql://postgres@127.0.0.1:5432/postgres"
  else
    # A stock Debian cluster wants a password over TCP: give the postgres role one for the tests.
    su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'ferrite-test'\"" >/dev/null
    FERRITE_TEST_PG_URL="postgresql://postgres:ferrite-test@127.0.0.1:5432/postgres"
  fi
  pg_url_ok "$FERRITE_TEST_PG_URL" || { echo "test: cannot connect to PostgreSQL on 127.0.0.1:5432" >&2; exit 1; }
fi
export FERRITE_TEST_PG_URL
