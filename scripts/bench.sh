#!/usr/bin/env bash
# Helseportal's benchmark at national scale (not part of the tests). On Debian (as root) it
# installs wrk, nginx and PostgreSQL when missing, builds the release binaries, starts a
# throw-away PostgreSQL server and runs `helseportal-bench run` on SQLite and PostgreSQL:
#
#   scripts/bench.sh                          10,000 and 1,000,000 citizens, 10 s per load
#   scripts/bench.sh --citizens 10000 --seconds 3      (any option of `helseportal-bench run`)
#
# The figures are printed and written to target/bench/report.md.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "missing: ${missing[*]}; installing"
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

cargo build --release -p helseportal -p bench

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
pg_port="${HELSEPORTAL_BENCH_POSTGRES_PORT:-56500}"
while port_in_use "$pg_port"; do
  pg_port=$((pg_port + 1))
done
pg_dir="$(mktemp -d /tmp/helseportal-bench-pg.XXXXXX)"
finish() {
  "$ROOT/scripts/postgres.sh" stop "$pg_dir" >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap finish EXIT
scripts/postgres.sh start "$pg_dir" "$pg_port"

# 1,000 connections at once need as many file descriptors, for wrk and for the portal.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

HELSEPORTAL_LOG="${HELSEPORTAL_LOG:-warn,sqlx=error}" \
  target/release/helseportal-bench run \
  --postgres "postgres://postgres@127.0.0.1:${pg_port}/postgres" "$@"
