#!/usr/bin/env bash
# policy.sh - Warden as a policy server next to postgrey and greylistd, in ONE run with the same
# stream of requests: requests per second and per-request latency (p50/p99, client side) for
#   1. the Postfix SMTPD access policy protocol (check_policy_service), CONNECTIONS persistent
#      connections: postgrey (the anchor), then Warden's Postfix door (doors.postfix) answering
#      greylisting only (`answer: greylist`, postgrey's job) and the whole engine (`answer: engine`),
#      on the SQLite store and on Redis;
#   2. greylistd's protocol (Exim's ${readsocket}: one request per connection, `--grey IP SENDER
#      RECIPIENT`), CONNECTIONS clients at once over a UNIX socket: greylistd (the anchor), then
#      Warden's greylistd door (doors.greylistd) on SQLite and on Redis.
# Every request is a triplet never seen before (distinct client addresses, senders, recipients),
# so every answer is a greylisting defer and every server writes a new entry. Issue 10's goal:
# at least 20x postgrey's requests per second with p99 under 2 ms on SQLite, more with Redis.
#
# A benchmark, not a test: it prints figures and fails only when a step fails (a server does not
# start, an answer is malformed, a connection is dropped); a failed row is shown as FAILED and the
# other rows still run (exit status 1 at the end).
#
# What it does, in order:
#   1. makes (or refreshes) a clone of this checkout's HEAD at BENCH_REPO and builds Warden and the
#      load generator (warden.bench.PolicyLoad) there, offline when it can: nothing is built in the
#      working tree the script is run from, and uncommitted changes are NOT measured (set
#      BENCH_REPO to a checkout of your own to measure it as it is);
#   2. starts, in a temporary directory (WORK): a DNS responder for the stream (PolicyLoad --mode
#      dns: PTR of each client address -> mx.c<i>.senders.bench.test, whose A record is that address;
#      NODATA for other names under bench.test and 10.in-addr.arpa, NXDOMAIN for anything else, e.g. a
#      DNSBL zone), a private redis-server (no persistence) on a free loopback port;
#   3. per run and row: starts the server afresh on an empty store (postgrey: --inet on a free
#      loopback port, its BerkeleyDB in WORK, as user postgrey when run as root; greylistd: a copy
#      of /usr/sbin/greylistd whose hard-coded config path names a config in WORK, socket and state
#      files in WORK; Warden: `./warden serve` from BENCH_REPO with a generated config: no SMTP
#      listener, the door, data_dir in WORK, dns.servers the responder, greylist.store sqlite or
#      the Redis URL (flushed first)); PolicyLoad sends WARMUP requests (not counted, indices far
#      from the measured ones), the script reads the server's CPU time, then REQUESTS requests are
#      measured; then the server is stopped;
#   4. prints the table (and bench/out/policy/report.txt), stops what it started, removes WORK.
#
# Everything listens on 127.0.0.1 (and UNIX sockets in WORK). Processes are stopped by their PID.
# Needs: postgrey, greylistd (python3), redis-server, Maven, a JDK 21+, git.
#
# Environment (defaults in brackets):
#   REQUESTS [50000]     measured requests per row (the same stream for every row)
#   WARMUP [20000]       requests before each Warden row, not counted (a JVM needs them to compile its hot paths)
#   ANCHOR_WARMUP [2000] the same for postgrey and greylistd (nothing to compile: enough to open their files)
#   CONNECTIONS [16]     concurrent connections (Postfix protocol: persistent; greylistd: clients)
#   RUNS [1]             runs; the table shows median (min-max)
#   ROWS ["postgrey warden-greylist-sqlite warden-engine-sqlite warden-greylist-redis warden-engine-redis
#         greylistd warden-greylistd-sqlite warden-greylistd-redis"]
#   PROFILE []           jfr: record every Warden row with Java Flight Recorder into OUT/<row>-run<N>.jfr
#   BENCH_REPO [OUT/repo]  where Warden is built and run (default: a clone of HEAD, refreshed each run)
#   OUT [bench/out/policy]  results.tsv, report.txt, logs
#   FS [disk]            disk: stores in /var/tmp (postgrey's BerkeleyDB fdatasyncs its log at every request, as
#                        Debian ships it; Warden's SQLite is WAL with synchronous=NORMAL: no fsync per decision);
#                        tmpfs: stores in /dev/shm, where fsync costs nothing: what is left is CPU
#   WORK [a new directory under FS]  stores, sockets, configs (removed at the end unless KEEP_WORK=1)
#   ROW_TIMEOUT [600]  WARDEN_START_TIMEOUT [120]  (seconds)
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=bench/common.sh
. "$here/common.sh"

REQUESTS=${REQUESTS:-50000}
WARMUP=${WARMUP:-20000}
ANCHOR_WARMUP=${ANCHOR_WARMUP:-2000}
CONNECTIONS=${CONNECTIONS:-16}
RUNS=${RUNS:-1}
ROWS=${ROWS:-postgrey warden-greylist-sqlite warden-engine-sqlite warden-greylist-redis warden-engine-redis greylistd warden-greylistd-sqlite warden-greylistd-redis}
PROFILE=${PROFILE:-}
OUT=${OUT:-$repo/bench/out/policy}
BENCH_REPO=${BENCH_REPO:-$OUT/repo}
ROW_TIMEOUT=${ROW_TIMEOUT:-600}
WARDEN_START_TIMEOUT=${WARDEN_START_TIMEOUT:-120}
KEEP_WORK=${KEEP_WORK:-0}
FS=${FS:-disk}

pids=$OUT/pids
results=$OUT/results.tsv
server_pid= redis_pid= dns_pid= load_pid= work_made=0 failed_rows=0

trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR
trap 'exit 130' INT TERM
trap cleanup EXIT

usage() {
  sed -n '2,/^set -Eeuo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
}

cleanup() {
  local rc=$?
  trap - ERR INT TERM
  set +e
  [ -n "$load_pid" ] && stop_group load "$load_pid"
  [ -n "$server_pid" ] && stop_group server "$server_pid"
  [ -n "$redis_pid" ] && stop_group redis "$redis_pid"
  [ -n "$dns_pid" ] && stop_group dns "$dns_pid"
  if [ "$work_made" = 1 ] && [ "$KEEP_WORK" != 1 ]; then rm -rf "$WORK"; fi
  exit "$rc"
}

# ---- setup

# A run killed with SIGKILL leaves its processes behind: stop them, but only if the PID still runs
# what we started (PIDs are reused).
reap_ours() {
  local f name pid
  for f in "$pids"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid) pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qE 'postgrey|greylistd|redis-server|java|warden'; then
      say "stopping leftover $name (pid $pid) from an earlier run"
      stop_group "$name" "$pid"
    fi
    rm -f "$f"
  done
}

check_prerequisites() {
  local r
  for r in $ROWS; do
    case $r in
      postgrey|greylistd|warden-greylist-sqlite|warden-engine-sqlite|warden-greylist-redis|warden-engine-redis|warden-greylistd-sqlite|warden-greylistd-redis) ;;
      *) die "unknown row '$r' in ROWS";;
    esac
  done
  case $FS in disk|tmpfs) ;; *) die "FS must be disk or tmpfs, not '$FS'";; esac
  [[ $REQUESTS =~ ^[1-9][0-9]*$ && $CONNECTIONS =~ ^[1-9][0-9]*$ && $RUNS =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ && $ANCHOR_WARMUP =~ ^[0-9]+$ ]] \
    || die "REQUESTS, CONNECTIONS, RUNS must be positive integers, WARMUP and ANCHOR_WARMUP non-negative ones"
  for r in git mvn python3 ss timeout; do command -v "$r" >/dev/null || die "$r not found"; done
  [[ " $ROWS " != *" postgrey "* ]] || [ -x /usr/sbin/postgrey ] || die "/usr/sbin/postgrey not found: apt-get install postgrey"
  [[ " $ROWS " != *" greylistd "* ]] || [ -f /usr/sbin/greylistd ] || die "/usr/sbin/greylistd not found: apt-get install greylistd"
  [[ " $ROWS " != *redis* ]] || command -v redis-server >/dev/null || die "redis-server not found: apt-get install redis-server"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A clone of HEAD (committed work only) at BENCH_REPO, built there: Warden's jar and the test classes.
build() {
  # shellcheck source=scripts/find-jdk.sh
  . "$repo/scripts/find-jdk.sh"
  warden_find_jdk >/dev/null || die "no JDK 21+ found (set JAVA_HOME)"
  if [ "$BENCH_REPO" = "$OUT/repo" ]; then
    local head
    head=$(git -C "$repo" rev-parse HEAD)
    if [ ! -d "$BENCH_REPO/.git" ]; then
      say "cloning $repo into $BENCH_REPO"
      git clone -q --no-checkout "$repo" "$BENCH_REPO"
    fi
    git -C "$BENCH_REPO" fetch -q "$repo" "$head"
    git -C "$BENCH_REPO" checkout -q --force --detach "$head"
    say "measuring commit $(git -C "$BENCH_REPO" log -1 --format='%h %s' | cut -c1-100)"
    [ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ] \
      || say "note: $repo has uncommitted changes; they are not measured (commit them, or set BENCH_REPO)"
  fi
  [ -x "$BENCH_REPO/warden" ] || die "no ./warden launcher in $BENCH_REPO"
  say "building Warden and the load generator in $BENCH_REPO (mvn package, tests skipped)"
  (cd "$BENCH_REPO" && { mvn -q -B -o -DskipTests package || mvn -q -B -DskipTests package; } &&
    { mvn -q -B -o org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
        -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test ||
      mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
        -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test; }) >"$OUT/build.log" 2>&1 \
    || die "the build failed; see $OUT/build.log"
  load_cp="$BENCH_REPO/target/test-classes:$BENCH_REPO/target/classes:$(cat "$BENCH_REPO/target/bench.classpath")"
}

start_dns() {
  say "starting the stream's DNS responder"
  setsid "$JAVA_HOME/bin/java" -Xmx256m -cp "$load_cp" warden.bench.PolicyLoad --mode dns \
    --port-file "$WORK/dns.port" --stats-file "$WORK/dns.stats" >"$OUT/dns.log" 2>&1 &
  dns_pid=$!
  remember dns "$dns_pid"
  local deadline=$((SECONDS + 30))
  until [ -s "$WORK/dns.port" ]; do
    kill -0 "$dns_pid" 2>/dev/null || die "the DNS responder ended: $(tail -n 5 "$OUT/dns.log")"
    ((SECONDS < deadline)) || die "the DNS responder did not start within 30 s"
    sleep 0.1
  done
  dns_port=$(cat "$WORK/dns.port")
}

dns_questions() { cat "$WORK/dns.stats" 2>/dev/null || echo 0; }

start_redis() {
  redis_port=$(free_port)
  say "starting a private redis-server on 127.0.0.1:$redis_port (no persistence)"
  setsid redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --loglevel warning --dir "$WORK" >"$OUT/redis.log" 2>&1 &
  redis_pid=$!
  remember redis "$redis_pid"
  local i
  for ((i = 0; i < 100; i++)); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "redis-server did not answer PING; see $OUT/redis.log"
}

# ---- servers (each sets server_pid: the process whose CPU time is the server's, and `target`)

start_postgrey() {
  local db=$WORK/postgrey port
  port=$(free_port)
  rm -rf "$db"; mkdir -p "$db"
  local user=()
  if [ "$(id -u)" = 0 ]; then chown postgrey: "$db"; user=(--user=postgrey --group=postgrey); fi
  # Not -d: it stays our child (its PID is the process measured); its log goes to stderr.
  setsid /usr/sbin/postgrey "--inet=127.0.0.1:$port" "--dbdir=$db" "--pidfile=$db/postgrey.pid" \
    ${user[@]+"${user[@]}"} >>"$OUT/postgrey.log" 2>&1 &
  server_pid=$!
  remember server "$server_pid"
  wait_listening postgrey "$port" "$server_pid" 30 || die "postgrey did not listen on 127.0.0.1:$port; see $OUT/postgrey.log"
  server_java=$server_pid target=127.0.0.1:$port
}

start_greylistd() {
  local d=$WORK/greylistd
  rm -rf "$d"; mkdir -p "$d"
  # greylistd reads a hard-coded /etc/greylistd/config: a copy of the script names ours instead.
  sed "s#/etc/greylistd/config#$d/config#" /usr/sbin/greylistd >"$d/greylistd"
  grep -q "$d/config" "$d/greylistd" || die "could not point the copy of greylistd at $d/config"
  cat >"$d/config" <<EOF
# Debian's shipped settings; files in WORK.
[timeouts]
retryMin     = 600
retryMax     = 28800
expire       = 5184000
[socket]
path         = $d/socket
mode         = 0660
[data]
update       = 600
statefile    = $d/states
tripletfile  = $d/triplets
savetriplets = true
singlecheck  = false
singleupdate = false
EOF
  setsid python3 "$d/greylistd" >>"$OUT/greylistd.log" 2>&1 &
  server_pid=$!
  remember server "$server_pid"
  await_socket greylistd "$d/socket" 30
  server_java=$server_pid target=unix:$d/socket
}

await_socket() { # name path timeout
  local deadline=$((SECONDS + $3))
  until [ -S "$2" ]; do
    kill -0 "$server_pid" 2>/dev/null || die "$1 ended before it made $2; see $OUT/$1.log"
    ((SECONDS < deadline)) || die "$1 made no socket $2 within $3 s"
    sleep 0.1
  done
}

# Warden with one door: postfix (answer greylist|engine) or greylistd, on sqlite or redis.
start_warden() { # door answer store row
  local door=$1 answer=$2 store=$3 row=$4 d=$WORK/warden port= yaml
  rm -rf "$d"; mkdir -p "$d/data"
  if [ "$store" = redis ]; then
    redis-cli -p "$redis_port" flushall >/dev/null || die "redis-cli flushall failed"
    store="redis://127.0.0.1:$redis_port/0"
  fi
  yaml=$d/warden.yaml
  {
    cat <<EOF
# Generated by bench/policy.sh for one row ($row): a policy server only.
hostname: warden.bench.test
listen: []
data_dir: $d/data
dns:
  servers: ["127.0.0.1:$dns_port"]
  timeout: 2s
  retries: 1
greylist:
  store: $store
doors:
EOF
    if [ "$door" = postfix ]; then
      port=$(free_port)
      printf '  postfix:\n    listen: ["127.0.0.1:%s"]\n    answer: %s\n' "$port" "$answer"
    else
      printf '  greylistd:\n    socket: %s/greylistd.socket\n' "$d"
    fi
  } >"$yaml"
  (cd "$BENCH_REPO" && ./warden config check "$yaml") >"$OUT/warden-config-check.log" 2>&1 \
    || die "./warden config check rejected the generated config:
$(cat "$OUT/warden-config-check.log")"
  local opts=${WARDEN_JAVA_OPTS:-}
  [ "$PROFILE" = jfr ] && opts="$opts -XX:StartFlightRecording=filename=$OUT/$row-run$run.jfr,settings=profile"
  echo "---- $row run $run" >>"$OUT/warden.log"
  (cd "$BENCH_REPO" && WARDEN_JAVA_OPTS=$opts exec setsid ./warden serve --config "$yaml" >>"$OUT/warden.log" 2>&1) &
  server_pid=$!
  remember server "$server_pid"
  if [ "$door" = postfix ]; then
    wait_listening warden "$port" "$server_pid" "$WARDEN_START_TIMEOUT" \
      || die "warden did not listen on 127.0.0.1:$port within ${WARDEN_START_TIMEOUT}s; last lines of $OUT/warden.log:
$(tail -n 20 "$OUT/warden.log")"
    target=127.0.0.1:$port
  else
    await_socket warden "$d/greylistd.socket" "$WARDEN_START_TIMEOUT"
    target=unix:$d/greylistd.socket
  fi
  server_java=$(find_java "$server_pid") || server_java=$server_pid
}

stop_server() {
  stop_group server "$server_pid"
  server_pid= server_java=
}

# ---- one row

# CPU clock ticks used so far by the server process (and redis-server for a redis row).
server_ticks() { # with-redis(0|1)
  {
    sed 's/^.*) //' "/proc/$server_java/stat" | awk '{ print $12 + $13 }'
    [ "$1" = 1 ] && sed 's/^.*) //' "/proc/$redis_pid/stat" | awk '{ print $12 + $13 }'
    true
  } | awk '{ t += $1 } END { print t + 0 }'
}

cpu_percent() { # "busy total" before, after
  awk -v c0="$1" -v c1="$2" 'BEGIN { split(c0, a, " "); split(c1, b, " "); printf "%.0f", (b[2] > a[2]) ? 100 * (b[1] - a[1]) / (b[2] - a[2]) : 0 }'
}

field() { # name -> value from $load_result
  local v
  v=$(tr ' ' '\n' <<<"$load_result" | sed -n "s/^$1=//p")
  echo "${v:--}"
}

row() { # name
  local r=$1 protocol store server with_redis=0
  case $r in
    postgrey) protocol=postfix store=berkeleydb server=postgrey; start_postgrey;;
    greylistd) protocol=greylistd store=memory+file server=greylistd; start_greylistd;;
    warden-greylistd-*) protocol=greylistd store=${r##*-} server=warden-door; start_warden greylistd - "$store" "$r";;
    warden-greylist-*) protocol=postfix store=${r##*-} server=warden-greylist; start_warden postfix greylist "$store" "$r";;
    warden-engine-*) protocol=postfix store=${r##*-} server=warden-engine; start_warden postfix engine "$store" "$r";;
  esac
  [ "$store" = redis ] && with_redis=1
  local warmup=$WARMUP
  [[ $r == warden-* ]] || warmup=$ANCHOR_WARMUP
  say "run $run: $r ($protocol protocol) at $target: $warmup warm-up + $REQUESTS measured, $CONNECTIONS connections"
  local go=$OUT/go c0 c1 s0 s1 q0 q1 rc=0
  rm -f "$go"
  : >"$OUT/load.out"
  timeout "$ROW_TIMEOUT" "$JAVA_HOME/bin/java" -cp "$load_cp" warden.bench.PolicyLoad --mode "$protocol" \
    --connect "$target" --connections "$CONNECTIONS" --count "$REQUESTS" --warmup "$warmup" --go "$go" \
    >"$OUT/load.out" 2>&1 &
  load_pid=$!
  if ((warmup > 0)); then
    local deadline=$((SECONDS + ROW_TIMEOUT))
    until grep -q '^warm:' "$OUT/load.out"; do
      kill -0 "$load_pid" 2>/dev/null || break
      ((SECONDS < deadline)) || break
      sleep 0.1
    done
  fi
  c0=$(cpu_ticks) s0=$(server_ticks "$with_redis") q0=$(dns_questions)
  touch "$go"
  wait "$load_pid" || rc=$?
  load_pid=
  sleep 0.3 # the DNS responder writes its count every 200 ms
  c1=$(cpu_ticks) s1=$(server_ticks "$with_redis") q1=$(dns_questions)
  { echo "---- $r run $run"; cat "$OUT/load.out"; } >>"$OUT/load.log"
  load_result=$(grep '^result ' "$OUT/load.out" | tail -n 1 || true)
  stop_server
  if ((rc != 0)) || [ -z "$load_result" ] || [ "$(field failed)" != - ]; then
    local why
    why=$(grep -E '^FAILED' "$OUT/load.out" | head -n 1 || true)
    [ -n "$why" ] || why="status $rc: $(tail -n 3 "$OUT/load.out" | tr '\n' ' ')"
    say "run $run: $r FAILED: $why"
    failed_rows=$((failed_rows + 1))
    printf '%s\t%s\t%s\t%s\t%s\tFAILED\t-\t-\t-\t-\t-\t-\t%s\n' "$run" "$r" "$protocol" "$server" "$store" "$(tr '\t' ' ' <<<"$why")" >>"$results"
    return 0
  fi
  local hz us_per dnsq
  hz=$(getconf CLK_TCK)
  us_per=$(awk -v a="$s0" -v b="$s1" -v n="$REQUESTS" -v hz="$hz" 'BEGIN { printf "%.0f", (b - a) * 1e6 / hz / n }')
  dnsq=$(awk -v a="$q0" -v b="$q1" -v n="$REQUESTS" 'BEGIN { printf "%.2f", (b - a) / n }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$r" "$protocol" "$server" "$store" "$(field ok)" \
    "$(field rate)" "$(field p50_ms)" "$(field p99_ms)" "$us_per" "$(cpu_percent "$c0" "$c1")" "$dnsq" "$(field answers)" \
    "$(field client_cpu_us)" >>"$results"
  say "run $run: $r: $(field rate)/s, p50 $(field p50_ms) ms, p99 $(field p99_ms) ms, server CPU ${us_per} us/request, DNS $dnsq questions/request, answers $(field answers)"
}

# ---- report

report() {
  awk -F'\t' -v runs="$RUNS" -v fs="$FS ($WORK)" "$awk_medians"'
    function ms(list,    m) { m = median(list); return (m == "-") ? "-" : sprintf("%.2f", m) }
    NR == 1 { next }
    {
      k = $2
      if (!(k in seen)) { seen[k] = 1; order[++n] = k; proto[k] = $3; server[k] = $4; store[k] = $5 }
      if ($6 == "FAILED") { failed[k] = $13; next }
      reqs[k] = $6; rate[k] = rate[k] " " $7; p50[k] = p50[k] " " $8; p99[k] = p99[k] " " $9
      cpu[k] = cpu[k] " " $10; busy[k] = busy[k] " " $11; dns[k] = dns[k] " " $12; answers[k] = $13; ccpu[k] = ccpu[k] " " $14
    }
    END {
      anchor["postfix"] = "postgrey"; anchor["greylistd"] = "greylistd"
      printf "\nmedian of %s run(s) (min-max); every request a new triplet, answered with a greylisting defer; stores on %s\n\n", runs, fs
      printf "%-9s %-24s %-10s %8s %-22s %8s %8s %9s %9s %5s %6s %8s  %s\n", "protocol", "server", "store", "requests", "req/s",
        "p50 ms", "p99 ms", "CPU us/r", "client us", "cpu%", "DNS/r", "x anchor", "answers"
      for (i = 1; i <= n; i++) {
        k = order[i]
        if (k in failed && !(k in rate)) {
          printf "%-9s %-24s %-10s %8s FAILED: %s\n", proto[k], k, store[k], "-", failed[k]; continue
        }
        a = anchor[proto[k]]
        x = (a in rate && median(rate[a]) > 0) ? sprintf("%.2fx", median(rate[k]) / median(rate[a])) : "-"
        printf "%-9s %-24s %-10s %8s %-22s %8s %8s %9.0f %9.0f %5.0f %6s %8s  %s\n", proto[k], k, store[k], reqs[k], cell(rate[k]),
          ms(p50[k]), ms(p99[k]), median(cpu[k]), median(ccpu[k]), median(busy[k]), sprintf("%.2f", median(dns[k])), x, answers[k]
      }
    }' "$results"
  printf '\nreq/s: measured requests / the client'"'"'s wall time; p50/p99: per request, client side (Postfix protocol: request written\n'
  printf 'to the blank line after action=; greylistd: connect to the end of the answer). CPU us/r: CPU time of the server process\n'
  printf '(Warden: its JVM; postgrey: perl; greylistd: python; a redis row adds redis-server) per request; client us: the load\n'
  printf 'generator'"'"'s CPU per request (its whole JVM). cpu%%: the whole machine\n'
  printf '(%s CPUs, client included). DNS/r: questions the server asked the stream'"'"'s DNS responder per request. x anchor: req/s over\n' "$(nproc)"
  printf 'postgrey'"'"'s (Postfix protocol) or greylistd'"'"'s (greylistd protocol) in this run. %s connections; warm-up: %s requests per Warden row,\n%s per anchor row.\n' \
    "$CONNECTIONS" "$WARMUP" "$ANCHOR_WARMUP"
}

# ---- main

[ "${1:-}" = -h ] || [ "${1:-}" = --help ] && usage
mkdir -p "$OUT" "$pids"
reap_ours
check_prerequisites
if [ "$FS" = tmpfs ]; then
  WORK=${WORK:-$(mktemp -d /dev/shm/warden-policy.XXXXXX)}
else
  WORK=${WORK:-$(mktemp -d /var/tmp/warden-policy.XXXXXX)}
fi
mkdir -p "$WORK"
chmod 755 "$WORK" # postgrey drops to its own user and must reach its directory
work_made=1
load_start=$(cut -d' ' -f1 /proc/loadavg)
: >"$OUT/load.log"
: >"$OUT/warden.log"
: >"$OUT/postgrey.log"
: >"$OUT/greylistd.log"
build
start_dns
[[ " $ROWS " != *redis* ]] || start_redis
printf 'run\trow\tprotocol\tserver\tstore\trequests\trate\tp50_ms\tp99_ms\tserver_cpu_us\tcpu_pct\tdns_per_request\tanswers\tclient_cpu_us\n' >"$results"

for ((run = 1; run <= RUNS; run++)); do
  for r in $ROWS; do row "$r"; done
done

report | tee "$OUT/report.txt"
load_end=$(cut -d' ' -f1 /proc/loadavg)
printf 'Load average (1 min) at start %s, at end %s on %s CPUs%s\n' "$load_start" "$load_end" "$(nproc)" \
  "$(awk -v a="$load_start" -v b="$load_end" -v c="$(nproc)" 'BEGIN { if (a > c || b > c) print ": other work competed for the CPUs; compare servers only within this run" }')" \
  | tee -a "$OUT/report.txt"
say "results: $results; report: $OUT/report.txt; logs in $OUT"
((failed_rows == 0)) || die "$failed_rows row(s) failed; see $OUT/load.log"
