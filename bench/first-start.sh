#!/usr/bin/env bash
# Time from a fresh clone to the first API answer, and `npm start` on the installed clone.
#   bench/first-start.sh [repository] [branch]     (default: /work/main main)
# Prints: install seconds, first start to first answer, second start (nothing changed).
# Uses ports 29696/25000 and a clone in a temporary directory, removed at the end.
set -euo pipefail
repo=${1:-/work/main}
branch=${2:-main}
dir=$(mktemp -d /tmp/neutrino-first-start.XXXXXX)
trap 'rm -rf "$dir"' EXIT
export NEUTRINO_API_PORT=29696 NEUTRINO_AUTH_IDENTITY_PORT=25000
now() { date +%s.%N; }
# Starts `npm start`, waits for GET / to answer, prints seconds since $1, stops it (SIGTERM to npm).
serve_until_answer() {
  local t0=$1
  (cd "$dir/x" && exec npm start >"$dir/start.log" 2>&1) &
  local pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$NEUTRINO_API_PORT/"; do
    kill -0 $pid 2>/dev/null || { echo "npm start exited:"; cat "$dir/start.log"; exit 1; }
    sleep 0.1
  done
  echo "$(now) - $t0" | bc
  kill -TERM $pid
  wait $pid || true
  # The server must be gone too (before the exec fix it outlived npm): wait for the port to close.
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$NEUTRINO_API_PORT/" || return 0; sleep 0.1; done
  local orphan
  orphan=$(fuser "$NEUTRINO_API_PORT/tcp" 2>/dev/null | tr -d ' ')
  echo "server (pid $orphan) still answering after npm stopped: stopping it" >&2
  [ -n "$orphan" ] && kill -TERM "$orphan"
}
t0=$(now)
git clone -q --branch "$branch" "$repo" "$dir/x"
(cd "$dir/x" && npm install --no-audit --no-fund >"$dir/install.log" 2>&1)
t1=$(now)
echo "clone + npm install: $(echo "$t1 - $t0" | bc) s (EBADENGINE warnings: $(grep -c EBADENGINE "$dir/install.log" || true))"
first=$(serve_until_answer "$t1")
echo "first npm start to first answer: $first s; clone to first answer: $(echo "$t1 - $t0 + $first" | bc) s"
second=$(serve_until_answer "$(now)")
echo "second npm start (nothing changed) to first answer: $second s"
