#!/usr/bin/env bash
# Tarpit capacity: 10 000 clients held at once in a 30 s EHLO delay, and what that costs the
# server in memory (VmRSS/VmHWM) and OS threads, for Warden and then Haraka on the same machine.
# Usage: bench/tarpit.sh [CONNECTIONS] [DELAY_SECONDS] [warden|haraka|all]   (10000 30 all)
# Loopback only (127.0.0.1, clients from 127.0.0.2-9); stops by itself (each run at most
# DELAY+120 s); stops and removes only what it started. Needs JDK 21+, Maven, python3; node and
# npm for Haraka (installed once with npm into target/bench-haraka).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
connections=${1:-10000}
delay=${2:-30}
which=${3:-all}
# shellcheck source=scripts/find-jdk.sh
. scripts/find-jdk.sh
warden_find_jdk || exit 1

# Each side needs a descriptor per connection; root may raise the hard limit.
ulimit -Hn 65536 2>/dev/null || true
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "tarpit: $connections connections, EHLO delayed ${delay}s; ulimit -n $(ulimit -n); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

work=$(mktemp -d /tmp/warden-tarpit.XXXXXX)
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap 'stop_server; [ -n "${TARPIT_KEEP:-}" ] && echo "tarpit: kept $work" || rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_listening() { # port, log: waits up to 120 s for the server to accept
  for _ in $(seq 600); do
    if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || { echo "tarpit: the server died; its output:" >&2; tail -20 "$2" >&2; return 1; }
    sleep 0.2
  done
  echo "tarpit: the server did not listen within 120 s" >&2; return 1
}
load() { # name
  python3 bench/tarpit-load.py --name "$1" --port "$port" --pid "$server_pid" \
      --connections "$connections" --delay "$delay" --deadline $((delay + 120))
}

run_warden() {
  ./warden --help >/dev/null # builds target/warden.jar if it is missing or stale
  port=$(free_port)
  dead_dns=$(free_port) # nothing listens there: a lookup fails at once, never stalls
  mkdir -p "$work/warden"
  cat >"$work/warden/warden.yaml" <<EOF
hostname: mx.tarpit.test
listen: ["127.0.0.1:$port"]
data_dir: $work/warden/var
relay_networks: []              # so the checks apply to 127.0.0.x clients
limits:
  max_connections: $((connections + 1000))
  max_connections_per_ip: $((connections + 1000))
dns:
  servers: ["127.0.0.1:$dead_dns"]
  timeout: 1s
  retries: 0
checks:
  helo-not-fqdn: {action: delay, delay: ${delay}s}   # "EHLO x" waits ${delay}s, on its virtual thread
EOF
  echo; echo "== Warden: ./warden serve --config $work/warden/warden.yaml (WARDEN_JAVA_OPTS='${WARDEN_JAVA_OPTS:-}')"
  ./warden serve --config "$work/warden/warden.yaml" >"$work/warden/out.log" 2>&1 &
  server_pid=$! # ./warden execs java, so this is the JVM
  wait_listening "$port" "$work/warden/out.log"
  load warden
  grep -c "helo-not-fqdn" "$work/warden/var/log/mainlog" 2>/dev/null | sed 's/^/[warden]   mainlog lines naming helo-not-fqdn: /' || true
  stop_server
}

run_haraka() {
  command -v npm >/dev/null && command -v node >/dev/null || { echo "tarpit: node and npm are needed for Haraka; skipped" >&2; return 0; }
  local dir="$root/target/bench-haraka"
  if [ ! -x "$dir/node_modules/.bin/haraka" ]; then
    echo "tarpit: installing Haraka 3.3.4 with npm into $dir (once)"
    mkdir -p "$dir" && (cd "$dir" && npm install --no-audit --no-fund --loglevel=error Haraka@3.3.4 >npm.log 2>&1) \
      || { echo "tarpit: npm install Haraka failed; see $dir/npm.log" >&2; return 1; }
  fi
  port=$(free_port)
  local cfg="$work/haraka"
  "$dir/node_modules/.bin/haraka" -i "$cfg" >/dev/null 2>&1 # Haraka's default configuration, then ours over it
  mkdir -p "$cfg/plugins"
  printf '[main]\nlisten=127.0.0.1:%s\nnodes=0\n' "$port" >"$cfg/config/smtp.ini"   # nodes=0: one process, no cluster
  printf '[main]\nlevel=warn\n' >"$cfg/config/log.ini"
  echo "mx.tarpit.test" >"$cfg/config/me"
  echo "bench_delay" >"$cfg/config/plugins"
  echo $((delay + 30)) >"$cfg/config/bench_delay.timeout" # Haraka fails a hook after 30 s by default (450)
  # The same tarpit as Warden's: a greeting that is not a FQDN waits before its reply.
  cat >"$cfg/plugins/bench_delay.js" <<EOF
exports.register = function () {
    this.register_hook('lookup_rdns', 'loopback')
    this.register_hook('helo', 'delay')
    this.register_hook('ehlo', 'delay')
}
// Clients are on 127.0.0.x: "localhost" without asking DNS (RFC 6761 6.3), as Warden does; the
// system resolver is not on loopback and must not be asked.
exports.loopback = function (next, connection) {
    next(OK, 'localhost')
}
exports.delay = function (next, connection, helo) {
    if (helo.includes('.')) return next()
    setTimeout(() => next(), ${delay} * 1000)
}
EOF
  echo; echo "== Haraka $("$dir/node_modules/.bin/haraka" -v 2>/dev/null | tr -d '\n' | sed 's/\x1b\[[0-9;]*m//g') on node $(node --version): haraka -c $cfg"
  "$dir/node_modules/.bin/haraka" -c "$cfg" >"$cfg/out.log" 2>&1 &
  server_pid=$! # the haraka script runs in node itself
  wait_listening "$port" "$cfg/out.log"
  load haraka
  stop_server
}

case "$which" in
  warden) run_warden ;;
  haraka) run_haraka ;;
  all) run_warden; run_haraka ;;
  *) echo "usage: bench/tarpit.sh [CONNECTIONS] [DELAY_SECONDS] [warden|haraka|all]" >&2; exit 64 ;;
esac
