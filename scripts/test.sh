#!/usr/bin/env bash
# Helseportal's one test command. On a fresh Debian 12 machine (as root) it installs
# what the tests need, then runs every check and test:
#   formatting, clippy, debug build, cargo test (SQLite and PostgreSQL, and a small run of
#   `helseportal-bench run` with wrk and nginx), and the browser tests in tests/browser (Chromium,
#   axe-core, a real OpenID Connect provider).
# Throw-away PostgreSQL, S3 (moto) and SMTP (aiosmtpd) servers run for the duration and are
# stopped at the end.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"

current_step="setup"
pg_dir=""
s3_pid=""
smtp_pid=""
smtp_tls_pid=""
mail_dir=""

finish() {
  local rc=$?
  trap - EXIT
  if [[ -n "$s3_pid" ]]; then
    kill "$s3_pid" >/dev/null 2>&1 || true
  fi
  if [[ -n "$smtp_pid" ]]; then
    kill "$smtp_pid" >/dev/null 2>&1 || true
  fi
  if [[ -n "$smtp_tls_pid" ]]; then
    kill "$smtp_tls_pid" >/dev/null 2>&1 || true
  fi
  if [[ -n "$mail_dir" ]]; then
    rm -rf "$mail_dir"
  fi
  if [[ -n "$pg_dir" ]]; then
    "$ROOT/scripts/postgres.sh" stop "$pg_dir" >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
  echo
  if [[ $rc -eq 0 ]]; then
    echo "==> Helseportal: all checks and tests passed"
  else
    echo "==> Helseportal: FAILED in step \"$current_step\" (exit code $rc)" >&2
  fi
  exit "$rc"
}
trap finish EXIT

step() {
  current_step="$1"
  echo
  echo "==> $1"
}

# --- a. Debian packages -------------------------------------------------------------
step "Debian packages"
missing=()
# poppler-utils brings pdftotext, which reads the portal's PDFs back; prometheus brings promtool,
# which checks the format of its /metrics.
for pkg in postgresql chromium chromium-driver openssl wrk poppler-utils prometheus; do
  if ! dpkg -s "$pkg" >/dev/null 2>&1; then
    missing+=("$pkg")
  fi
done
# The benchmark's own test drives it with wrk against nginx; any nginx package will do.
if ! command -v nginx >/dev/null 2>&1 && [[ ! -x /usr/sbin/nginx ]]; then
  missing+=(nginx-light)
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "missing: ${missing[*]}; installing"
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "${missing[@]}" fonts-dejavu-core
else
  echo "postgresql, chromium, chromium-driver, openssl, wrk, poppler-utils, prometheus and nginx are installed"
fi
if [[ ! -x /usr/bin/chromium ]]; then
  echo "/usr/bin/chromium is missing after installing the chromium package" >&2
  exit 1
fi

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [[ "$node_major" -lt 20 ]]; then
  echo "Node.js 20 or newer is needed for tests/browser (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# --- b. Node packages for the browser tests -----------------------------------------
step "npm ci (tests/browser)"
(cd tests/browser && npm ci --no-audit --no-fund)

# --- c. Throw-away PostgreSQL server ------------------------------------------------
step "PostgreSQL test server"
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
# Whether a server may bind port $1: nothing listens there, and no socket still holds it (a
# server of an earlier run that is still closing).
port_bindable() {
  python3 -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$1" \
    2>/dev/null
}
# The first free port from $1 on.
free_port_from() {
  local port="$1"
  while port_in_use "$port" || ! port_bindable "$port"; do
    port=$((port + 1))
  done
  echo "$port"
}
# Waits up to ten seconds for the server named $2 to listen on port $1; stops with a pointer
# to its log $3 when it does not.
wait_for_port() {
  for _ in $(seq 1 100); do
    port_in_use "$1" && return 0
    sleep 0.1
  done
  echo "the $2 did not start; see $3" >&2
  exit 1
}
pg_port="$(free_port_from "${HELSEPORTAL_TEST_POSTGRES_PORT:-55432}")"
pg_dir="$(mktemp -d /tmp/helseportal-pg.XXXXXX)"
scripts/postgres.sh start "$pg_dir" "$pg_port"
export HELSEPORTAL_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:${pg_port}/postgres"
echo "HELSEPORTAL_TEST_POSTGRES_URL=$HELSEPORTAL_TEST_POSTGRES_URL"

# --- c2. Throw-away S3-compatible object store (moto's server, from PyPI) -----------
step "S3-compatible test server (and the Python test servers' venv)"
test_venv="$ROOT/target/test-venv"
if [[ ! -x "$test_venv/bin/moto_server" || ! -x "$test_venv/bin/aiosmtpd" ]]; then
  python3 -m venv "$test_venv"
  "$test_venv/bin/pip" install --quiet --disable-pip-version-check \
    'moto[server]==5.2.5' 'aiosmtpd==1.4.6'
fi

s3_port="$(free_port_from $((pg_port + 100)))"
"$test_venv/bin/moto_server" -H 127.0.0.1 -p "$s3_port" >"$ROOT/target/moto.log" 2>&1 &
s3_pid=$!
wait_for_port "$s3_port" "S3 test server" target/moto.log
export HELSEPORTAL_TEST_S3_ENDPOINT="http://127.0.0.1:${s3_port}"
echo "HELSEPORTAL_TEST_S3_ENDPOINT=$HELSEPORTAL_TEST_S3_ENDPOINT"

# --- c3. Throw-away SMTP server (aiosmtpd, from PyPI), keeping mail in a maildir ------
step "SMTP test server"
mail_dir="$(mktemp -d /tmp/helseportal-mail.XXXXXX)"
mkdir -p "$mail_dir/tmp" "$mail_dir/new" "$mail_dir/cur"
smtp_port="$(free_port_from $((s3_port + 1)))"
"$test_venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:${smtp_port}" \
  -c aiosmtpd.handlers.Mailbox "$mail_dir" >"$ROOT/target/smtp.log" 2>&1 &
smtp_pid=$!
wait_for_port "$smtp_port" "SMTP test server" target/smtp.log
export HELSEPORTAL_TEST_SMTP="127.0.0.1:${smtp_port}"
export HELSEPORTAL_TEST_MAILDIR="$mail_dir"
echo "HELSEPORTAL_TEST_SMTP=$HELSEPORTAL_TEST_SMTP (mail in $mail_dir)"

# A second one that requires STARTTLS, with a certificate for localhost from a certificate
# authority made for this run.
tls_dir="$mail_dir/tls"
mkdir -p "$tls_dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Helseportal test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$tls_dir/ca.key" -out "$tls_dir/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout "$tls_dir/server.key" -out "$tls_dir/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
  >"$tls_dir/server.ext"
openssl x509 -req -days 2 -in "$tls_dir/server.csr" -CA "$tls_dir/ca.pem" -CAkey "$tls_dir/ca.key" \
  -CAcreateserial -extfile "$tls_dir/server.ext" -out "$tls_dir/server.pem" 2>/dev/null
smtp_tls_port="$(free_port_from $((smtp_port + 1)))"
"$test_venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:${smtp_tls_port}" \
  --tlscert "$tls_dir/server.pem" --tlskey "$tls_dir/server.key" \
  -c aiosmtpd.handlers.Mailbox "$mail_dir" >"$ROOT/target/smtp-tls.log" 2>&1 &
smtp_tls_pid=$!
wait_for_port "$smtp_tls_port" "STARTTLS test server" target/smtp-tls.log
export HELSEPORTAL_TEST_SMTP_STARTTLS="localhost:${smtp_tls_port}"
export HELSEPORTAL_TEST_SMTP_CA="$tls_dir/ca.pem"
echo "HELSEPORTAL_TEST_SMTP_STARTTLS=$HELSEPORTAL_TEST_SMTP_STARTTLS"

# --- d. Rust: format, lint, build, test ---------------------------------------------
step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo build"
cargo build --workspace

step "cargo test"
cargo test --workspace

# --- e. Browser tests ---------------------------------------------------------------
step "browser tests (node --test tests/browser/)"
export HELSEPORTAL_BIN="$ROOT/target/debug/helseportal"
node --test --test-concurrency=1 tests/browser/

# --- f. The final line is printed by finish() -----------------------------------------
current_step="done"
