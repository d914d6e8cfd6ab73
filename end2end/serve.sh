# Sourced by end2end/run.sh (Playwright), end2end/lighthouse/run.sh and
# end2end/first-visit.sh: starts a real Tessera server ($bin) on a free port with
# a fresh data directory, a known admin password and an SMTP sink, waits until it
# is ready, and stops it on exit (keeping its log when the caller sets keep=1).
# Exports BASE_URL and friends, and defines admin_cookie.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d -t tessera-e2e.XXXXXX)
export TESSERA_LISTEN="127.0.0.1:$port"
export TESSERA_DATA_DIR="$data"
export TESSERA_SITE_DIR="$PWD/target/site"
export TESSERA_ADMIN_PASSWORD="e2e-Admin-pass-1"
# Every browser of the suite signs in from 127.0.0.1, like a whole office behind
# one NAT address: the specs' deliberate wrong passwords, run repeatedly
# (--repeat-each), would add up to the per-address delay. Per-account throttling
# stays as it is (and is tested by the integration suite).
export TESSERA_THROTTLE_FREE_PER_ADDRESS=100000
# Likewise each view of the sign-in page opens a password-less sign-in for five
# minutes, and a whole run (--repeat-each) opens more than the 100 one address
# may have open at once: the passkey starts were refused (429) and the passkey
# specs waited in vain.
export TESSERA_PASSKEY_SIGN_INS_PER_ADDRESS=100000
# The Slack spec posts to a webhook stand-in on loopback over plain http.
export TESSERA_ALLOW_INSECURE_WEBHOOKS=true
export TESSERA_BIN="$bin"
# localhost, not 127.0.0.1: browsers accept only a domain name as a passkey's
# relying party (public_url defaults to http://localhost:PORT on loopback).
export BASE_URL="http://localhost:$port"
export ADMIN_PASSWORD="$TESSERA_ADMIN_PASSWORD"

# Outgoing mail goes to a real SMTP sink on loopback; the specs read MAIL_DIR.
smtp_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export MAIL_DIR="$data/mail"
export TESSERA_SMTP_URL="smtp://127.0.0.1:$smtp_port"
node end2end/smtp-sink.mjs "$smtp_port" "$MAIL_DIR" &
sink=$!

# The caller may set server_log_level (TESSERA_LOG for the server alone).
if [ -n "${server_log_level:-}" ]; then
  TESSERA_LOG="$server_log_level" "$bin" serve > "$data/server.log" 2>&1 &
else
  "$bin" serve > "$data/server.log" 2>&1 &
fi
server=$!
cleanup() {
  kill "$sink" 2>/dev/null || true
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [ "${keep:-0}" = 1 ]; then echo "server log kept in $data/server.log"; else rm -rf "$data"; fi
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  if curl -fsS "$BASE_URL/readyz" > /dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "server exited:"; cat "$data/server.log"; exit 1; fi
  sleep 0.5
done
curl -fsS "$BASE_URL/readyz" > /dev/null || { echo "server did not become ready"; cat "$data/server.log"; exit 1; }

# The first admin's session cookie (name=value), for tools that look at a
# signed-in page: `cookie=$(admin_cookie)`.
admin_cookie() {
  local cookie
  cookie=$(curl -fsS -o /dev/null -D - -H "Origin: $BASE_URL" \
    --data-urlencode "login=admin" --data-urlencode "password=$ADMIN_PASSWORD" "$BASE_URL/api/login" |
    sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | { grep -v '=$' || true; } | head -n 1)
  [ -n "$cookie" ] || { echo "could not sign in" >&2; return 1; }
  echo "$cookie"
}

# Fails (keeping the log) when the server panicked anywhere, a request's task or
# one of its own: a panic in a detached task reaches no test, only the log.
# Usage: check_no_panics "what was running"
check_no_panics() {
  if grep -q "panicked at" "$data/server.log"; then
    keep=1
    grep -n -A1 "panicked at" "$data/server.log" | head -n 20 || true
    echo "the server panicked $1 (the lines above; the log is kept)"
    return 1
  fi
}
