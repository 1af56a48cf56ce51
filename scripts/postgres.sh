#!/usr/bin/env bash
# Makes sure a PostgreSQL for the test suite is running on 127.0.0.1 and prints nothing when it already is.
# Installs the Debian package when no PostgreSQL binaries are there, creates a cluster under $root/.pg/ (gitignored)
# owned by an unprivileged user (PostgreSQL refuses to run as root: as root the 'postgres' system user runs it),
# listening on 127.0.0.1 only, on a port no system cluster uses (AGENTDESK_PG_PORT, default 55432), and writes the
# connection string of its superuser role to $root/.pg/connection-string, which scripts/test.sh exports as
# AGENTDESK_TEST_POSTGRES. Called by scripts/setup.sh in test mode; safe to run again at any time, with no stdin.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${AGENTDESK_PG_PORT:-55432}"
pg="$root/.pg"
data="$pg/data"
role="agentdesk"
password="agentdesk"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

bin="$(find_bin)"
if [[ -z "$bin" || ! -x "$bin/pg_ctl" ]]; then
  echo "postgres: installing the Debian package postgresql"
  sudo=""
  [[ "$(id -u)" == "0" ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq </dev/null
  $sudo apt-get install -y -qq --no-install-recommends postgresql </dev/null
  bin="$(find_bin)"
  [[ -n "$bin" ]] || { echo "postgres: the package installed no /usr/lib/postgresql/*/bin" >&2; exit 1; }
fi

# Runs a PostgreSQL program as the cluster's owner, from a directory that user may enter.
if [[ "$(id -u)" == "0" ]]; then
  owner="postgres"
  as_owner() { (cd "$pg" && runuser -u "$owner" -- "$@"); }
else
  owner="$(id -un)"
  as_owner() { (cd "$pg" && "$@"); }
fi

if [[ ! -f "$data/PG_VERSION" ]]; then
  echo "postgres: creating a test cluster in $data (port $port)"
  rm -rf "$data"
  mkdir -p "$pg"
  chown "$owner" "$pg"
  chmod 700 "$pg"
  printf '%s\n' "$password" >"$pg/password"
  chown "$owner" "$pg/password"
  as_owner "$bin/initdb" -D "$data" -U "$role" --pwfile="$pg/password" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pg/password"
  # A throw-away test cluster: no fsync (tests never survive a power cut), enough connections for the
  # per-fixture pools of a parallel test run, TCP on loopback only (no Unix socket in a shared directory).
  cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
fi

if ! as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
  echo "postgres: starting the test cluster on 127.0.0.1:$port"
  as_owner "$bin/pg_ctl" start -w -t 60 -D "$data" -l "$pg/server.log" >/dev/null \
    || { echo "postgres: the server did not start; see $pg/server.log" >&2; tail -n 20 "$pg/server.log" >&2 || true; exit 1; }
fi

echo "Host=127.0.0.1;Port=$port;Username=$role;Password=$password;Database=postgres" >"$pg/connection-string"
