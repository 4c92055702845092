#!/usr/bin/env bash
# Provisions the PostgreSQL server programs the Postgres test suites start a throwaway cluster with
# (initdb + pg_ctl, one cluster per test run, in a temporary folder): Debian's `postgresql` package.
# Nothing is started here and no system cluster is needed; Debian's package may create and start one,
# the harness does not use it. Idempotent: does nothing when the programs are already there.
#
# Usage: scripts/postgres-server.sh [install]   # provision (default)
#        scripts/postgres-server.sh bin         # print the folder holding initdb (TRISTACK_POSTGRES_BIN)
set -euo pipefail

log() { echo "[postgres-server] $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian keeps initdb and pg_ctl out of PATH, under /usr/lib/postgresql/<version>/bin.
find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

install() {
  if find_bin >/dev/null; then return; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "no apt-get: install PostgreSQL's server programs yourself, or set DATABASE_URL"
    exit 1
  fi
  log "installing Debian's postgresql"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  find_bin >/dev/null || {
    log "postgresql installed but initdb was not found"
    exit 1
  }
}

case "${1:-install}" in
  install) install ;;
  bin) find_bin ;;
  *)
    log "unknown command $1: use install or bin"
    exit 1
    ;;
esac
