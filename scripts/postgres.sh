#!/usr/bin/env bash
# Throw-away PostgreSQL server for Helseportal's tests.
#
#   scripts/postgres.sh start DIR PORT   create a cluster in DIR (if new) and start it
#                                        on 127.0.0.1:PORT, user postgres, trust auth
#   scripts/postgres.sh stop DIR         stop the server running from DIR
#
# Connect with: postgres://postgres@127.0.0.1:PORT/postgres
set -euo pipefail

usage() {
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 2
}

find_bindir() {
  local dir
  if [[ -n "${PG_BINDIR:-}" ]]; then
    echo "$PG_BINDIR"
    return
  fi
  # Newest installed major version first.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -n -r); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
      echo "$dir"
      return
    fi
  done
  echo "postgres.sh: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
  exit 1
}

# Runs a command as the postgres user when we are root (initdb refuses root).
as_postgres() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cmd="${1:-}"
case "$cmd" in
  start)
    [[ $# -eq 3 ]] || usage
    dir="$2"
    port="$3"
    bindir="$(find_bindir)"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [[ "$(id -u)" -eq 0 ]]; then
      chown postgres:postgres "$dir"
      if ! runuser -u postgres -- test -x "$dir"; then
        echo "postgres.sh: the postgres user cannot reach $dir; choose a folder under /tmp" >&2
        exit 1
      fi
    fi
    chmod 700 "$dir"
    data="$dir/data"
    sock="$dir/socket"
    if [[ ! -f "$data/PG_VERSION" ]]; then
      as_postgres mkdir -p "$data" "$sock"
      as_postgres "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 --no-instructions >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
      }
    fi
    as_postgres "$bindir/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $port -k $sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null || {
      echo "postgres.sh: server in $dir did not start; its log:" >&2
      cat "$dir/postgres.log" >&2 || true
      exit 1
    }
    echo "postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $data)"
    ;;
  stop)
    [[ $# -eq 2 ]] || usage
    dir="$(cd "$2" 2>/dev/null && pwd)" || exit 0
    data="$dir/data"
    if [[ -f "$data/postmaster.pid" ]]; then
      bindir="$(find_bindir)"
      as_postgres "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
      echo "postgres.sh: stopped the server in $dir"
    fi
    ;;
  *)
    usage
    ;;
esac
