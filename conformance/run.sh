#!/usr/bin/env bash
# Runs OpenStack's Tempest network API tests against a fresh Neutrino and records the
# results in conformance/results/ (see CONFORMANCE.md).
#
#   npm run conformance                       full run: ^tempest\.api\.network
#   npm run conformance -- 'test_networks'    partial run (regex), results in conformance/work/
#   npm run conformance -- --update-ratchet   full run, then add newly passing tests to
#                                             conformance/tempest-pass.txt
#
# Steps: start Neutrino (embedded identity, temporary SQLite database) → bootstrap the
# public external network as an operator would → configure and run Tempest with the shared
# scripts (tempest-config.sh, tempest-run.sh) → write the diff-friendly results → stop the
# server and remove the database.
#
# Environment:
#   CONFORMANCE_SHARED      folder with tempest-config.sh / tempest-run.sh
#                           (default: ../shared/conformance next to the repository, else
#                           /work/shared/conformance)
#   NEUTRINO_AUTH_ADMIN_PASSWORD   admin password (default: generated for this run)
#   CONCURRENCY             Tempest workers (default 3: most of the run is Tempest sleeping 10 s before each subnet delete)
#   CONFORMANCE_TIMEOUT     seconds Tempest may run before it is stopped (default 1800, keeping CI under 45 minutes)
#   TEMPEST_DEBUG           true: Tempest's log also holds request/response bodies
#   CONFORMANCE_AGENT       false: run without the host agent (default: run it when root)
#
# As root, a real `neutrino agent` (L2 + DHCP; no metadata proxies, L3 or firewall) runs during the run, as
# on a single host with the linux backend: its "host" is a network namespace of its own with
# nothing but loopback (closed topology; VTEP 192.0.2.1 on its lo), so the networks Tempest
# creates are scheduled to a live DHCP agent and get a dnsmasq each, as in Neutron's gate.
# It is stopped by PID and everything it created removed (`neutrino agent --cleanup`).
set -euo pipefail
trap 'echo "conformance: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
REPO="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$REPO/conformance"
cd "$REPO"

REGEX='^tempest\.api\.network'
PARTIAL=false
UPDATE_RATCHET=false
for arg in "$@"; do
  case "$arg" in
    --update-ratchet) UPDATE_RATCHET=true ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) REGEX="$arg"; PARTIAL=true ;;
  esac
done

# Debian's python3 and Tempest's entry points; another python3 may come first on PATH.
export PATH="/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin:$(dirname "$(command -v node)")"
PY=/usr/bin/python3

SHARED="${CONFORMANCE_SHARED:-}"
if [ -z "$SHARED" ]; then
  for candidate in "$REPO/../shared/conformance" "$REPO/../../shared/conformance" /work/shared/conformance; do
    if [ -f "$candidate/tempest-config.sh" ]; then SHARED="$(cd "$candidate" && pwd)"; break; fi
  done
fi
[ -f "$SHARED/tempest-config.sh" ] || { echo "conformance: tempest-config.sh not found (set CONFORMANCE_SHARED)" >&2; exit 2; }

# shellcheck source=conformance/install-clients.sh
source "$HERE/install-clients.sh"
install_openstack_clients

WORK="$HERE/work"                    # raw artifacts of the last run (git-ignored)
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/neutrino-conformance.XXXXXX")"
SERVER_PID=""
AGENT_PID=""
AGENT_NETNS=""
stop_agent() {
  if [ -n "$AGENT_PID" ] && kill -0 "$AGENT_PID" 2>/dev/null; then
    kill "$AGENT_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$AGENT_PID" 2>/dev/null || true
  fi
  AGENT_PID=""
  if [ -n "$AGENT_NETNS" ]; then
    # dnsmasq daemons (pid files in the state dir) and the DHCP namespaces go with the agent's state.
    node --import tsx src/cli/main.ts agent --cleanup --agent-config "$RUN_DIR/agent.yaml" >>"$RUN_DIR/agent.log" 2>&1 ||
      echo "conformance: agent cleanup failed (see agent.log)" >&2
    ip netns del "$AGENT_NETNS" 2>/dev/null || true
    AGENT_NETNS=""
  fi
  if [ -f "$RUN_DIR/agent.log" ]; then mkdir -p "$WORK" && cp "$RUN_DIR/agent.log" "$WORK/agent.log"; fi
}
cleanup() {
  stop_agent
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  [ -f "$RUN_DIR/server.log" ] && mkdir -p "$WORK" && cp "$RUN_DIR/server.log" "$WORK/server.log"
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
API_PORT="$(free_port)"
IDENTITY_PORT="$(free_port)"
while [ "$IDENTITY_PORT" = "$API_PORT" ]; do IDENTITY_PORT="$(free_port)"; done
ADMIN_PASSWORD="${NEUTRINO_AUTH_ADMIN_PASSWORD:-$(node -e "console.log(require('crypto').randomBytes(12).toString('hex'))")}"

export NEUTRINO_AUTH_STRATEGY=embedded
export NEUTRINO_AUTH_ADMIN_PASSWORD="$ADMIN_PASSWORD"
export NEUTRINO_AUTH_IDENTITY_PORT="$IDENTITY_PORT"
export NEUTRINO_AUTH_IDENTITY_HOST=127.0.0.1
export NEUTRINO_API_HOST=127.0.0.1
export NEUTRINO_API_PORT="$API_PORT"
export NEUTRINO_DATABASE_URL="sqlite:$RUN_DIR/neutrino.db"
export NEUTRINO_LOG_LEVEL="${NEUTRINO_LOG_LEVEL:-warn}"
RUN_AGENT=false
if [ "${CONFORMANCE_AGENT:-true}" != false ] && [ "$(id -u)" = 0 ]; then RUN_AGENT=true; fi
# With the agent, ports are bound by the linux driver (tap on the agent's host, binding_failed elsewhere).
if $RUN_AGENT; then export NEUTRINO_BACKEND_DRIVER=linux; fi

echo "conformance: starting Neutrino (API :$API_PORT, identity :$IDENTITY_PORT, database $RUN_DIR/neutrino.db)"
node --import tsx src/cli/main.ts serve >"$RUN_DIR/server.log" 2>&1 &
SERVER_PID=$!

export OS_AUTH_URL="http://127.0.0.1:$IDENTITY_PORT/v3"
export OS_USERNAME=admin OS_PASSWORD="$ADMIN_PASSWORD" OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne
export OS_IDENTITY_API_VERSION=3

# wait_for PID TRIES COMMAND...: true once COMMAND succeeds (every 0.5 s), false if PID exits or after TRIES.
wait_for() {
  local pid="$1" tries="$2"
  shift 2
  for _ in $(seq 1 "$tries"); do
    kill -0 "$pid" 2>/dev/null || return 1
    if "$@"; then return 0; fi
    sleep 0.5
  done
  return 1
}
server_up() { curl -sf -o /dev/null "http://127.0.0.1:$API_PORT/" && curl -sf -o /dev/null "$OS_AUTH_URL"; }
if ! wait_for "$SERVER_PID" 120 server_up; then
  echo "conformance: Neutrino did not come up (API :$API_PORT, identity $OS_AUTH_URL); server log:" >&2
  tail -n 40 "$RUN_DIR/server.log" >&2
  exit 1
fi

if $RUN_AGENT; then
  AGENT_NETNS="neutrino-conf-$(basename "$RUN_DIR" | tr -dc 'A-Za-z0-9' | tail -c 8)"
  ip netns add "$AGENT_NETNS"
  ip -n "$AGENT_NETNS" link set lo up
  ip -n "$AGENT_NETNS" addr add 192.0.2.1/32 dev lo
  mkdir -p "$RUN_DIR/agent"
  chmod 755 "$RUN_DIR"
  cat >"$RUN_DIR/agent.yaml" <<YAML
host: $AGENT_NETNS
server: http://127.0.0.1:$API_PORT
auth: { url: "$OS_AUTH_URL", username: admin, password: "$ADMIN_PASSWORD", project: admin }
local_ip: 192.0.2.1
state_dir: $RUN_DIR/agent
netns: $AGENT_NETNS
namespace_prefix: $AGENT_NETNS-
enable_dhcp: true
enable_metadata: false
enable_l3: false
firewall_driver: noop
log_level: info
YAML
  chmod 600 "$RUN_DIR/agent.yaml"
  echo "conformance: starting a host agent (DHCP) in namespace $AGENT_NETNS"
  node --import tsx src/cli/main.ts agent --agent-config "$RUN_DIR/agent.yaml" >"$RUN_DIR/agent.log" 2>&1 &
  AGENT_PID=$!
  if ! wait_for "$AGENT_PID" 60 grep -q 'initial reconcile done' "$RUN_DIR/agent.log"; then
    echo "conformance: the host agent did not start; its log:" >&2
    tail -n 20 "$RUN_DIR/agent.log" >&2
    exit 1
  fi
fi

echo "conformance: bootstrapping the public external network"
PUBLIC_NETWORK_ID="$(node "$HERE/bootstrap-public-network.mjs")"
export PUBLIC_NETWORK_ID PUBLIC_NETWORK_NAME=public

mkdir -p "$WORK"
# The workspace is kept between runs: stestr's timing data balances the two workers.
# `tempest init` refuses a name its registry (~/.tempest) still holds for a removed folder.
export TEMPEST_WS="$WORK/tempest-ws"
if [ ! -f "$TEMPEST_WS/.stestr.conf" ]; then
  tempest workspace remove --name "$(basename "$TEMPEST_WS")" >/dev/null 2>&1 || true
fi
rm -f "$TEMPEST_WS/tempest.log"
bash "$SHARED/tempest-config.sh"

echo "conformance: running tempest --regex '$REGEX' (concurrency ${CONCURRENCY:-3})"
RAW="$WORK/raw"
rm -rf "$RAW"
OUT_DIR="$RAW" CONCURRENCY="${CONCURRENCY:-3}" \
  timeout --signal=INT --kill-after=60 "${CONFORMANCE_TIMEOUT:-1800}" bash "$SHARED/tempest-run.sh" network "$REGEX" ||
  echo "conformance: tempest stopped after ${CONFORMANCE_TIMEOUT:-1800} s (CONFORMANCE_TIMEOUT)" >&2
stop_agent
[ -f "$RAW/network/results.subunit" ] || { echo "conformance: tempest produced no results (see $RAW/network/console.log)" >&2; exit 1; }

# Tracebacks with each failed test's requests and responses (Tempest logs them per test).
subunit-trace --no-summary --failonly <"$RAW/network/results.subunit" >"$RAW/network/failures.txt" 2>&1 || true

# The tests the regex selects: a class whose setUpClass failed reports no test of its own,
# so the results list every selected test, with the class's outcome where it has none.
(cd "$TEMPEST_WS" && PYTHON=$PY stestr list "$REGEX" 2>/dev/null | grep '^tempest\.' | sort) >"$RAW/selected.txt"

if $PARTIAL; then RESULTS="$WORK/tempest-partial.txt"; else RESULTS="$HERE/results/tempest-network.txt"; fi
mkdir -p "$(dirname "$RESULTS")"
$PY "$HERE/format-results.py" --subunit "$RAW/network/results.subunit" --selected "$RAW/selected.txt" \
  --summary "$RAW/network/summary.txt" --regex "$REGEX" --out "$RESULTS"
echo "conformance: results in ${RESULTS#"$REPO"/}"
tail -n 1 "$RESULTS"

if ! $PARTIAL; then
  node "$HERE/report.mjs"
fi
if $UPDATE_RATCHET; then
  node "$HERE/check-ratchet.mjs" --update "$RESULTS"
fi
