#!/usr/bin/env bash
# tls.sh - Warden over TLS next to Postfix, in ONE run with the same certificate and the same
# client load: STARTTLS sessions per second, 5 KiB messages per second over STARTTLS (into a
# Maildir, end to end), for an ECDSA P-256 and an RSA 2048 certificate; then the memory of
# idle TLS sessions held open after STARTTLS and EHLO.
#
# A benchmark, not a test: it prints figures and fails only when a step fails (a server does not
# start, a reply is wrong, a handshake fails, a message never reaches its Maildir). bench/README.md
# explains every figure. Issue 9's goal: at least Postfix's handshake rate and 3x its TLS message
# rate; memory per idle TLS connection with 5 000 held.
#
# What it does, in order:
#   1. builds the test classes (the load generator warden.bench.TlsLoad) and the Warden jar;
#   2. makes a fresh journaled ext4 image at $BENCH_DIR (FS=tmpfs: memory), and on it two
#      self-signed certificates made by openssl (CN and subjectAltName mx.bench.test): ECDSA
#      P-256 and RSA 2048, PEM, key in PKCS#8 (as certbot writes them);
#   3. starts a private Postfix (as throughput.sh: virtual(8) to Maildir, loopback only) with
#      STARTTLS on the certificate under test (smtpd_tls_cert_file/key_file; its TLS session
#      cache as Debian once shipped it: btree smtpd_scache, tickets on);
#   4. per run, certificate and server (Warden: `./warden serve`, a fresh JVM per certificate,
#      the same certificate files in tls.certificate/tls.key):
#        handshakes: TlsLoad runs WARMUP sessions (not counted), then HANDSHAKES sessions of
#          connect, EHLO, STARTTLS, handshake, EHLO, QUIT over SESSIONS concurrent connections;
#        messages: WARMUP messages to warm@bench.test (not counted; the queue drains), then
#          MESSAGES messages of SIZE bytes to user@bench.test, PER_CONN per connection (each
#          connection: EHLO, STARTTLS, EHLO, then MAIL/RCPT/DATA one at a time), end to end
#          until every file is in Maildir/new;
#   5. memory: a fresh Warden, HOLD_WARMUP handshakes (its TLS code loaded and compiled, its young
#      generation touched), its RSS and PSS and its live heap (jcmd GC.class_histogram, after a
#      full GC); then HOLD sessions brought past STARTTLS and the second EHLO and held idle; the
#      same again; the differences over HOLD are the figures. Postfix serves one client per smtpd process and by
#      default at most default_process_limit (100) at once: it is restarted (no idle smtpd) and
#      holds POSTFIX_HOLD (100) sessions the same way, its master and all processes summed;
#   6. prints the tables, then stops what it started, on success and on failure alike.
#
# Everything listens on 127.0.0.1 only. Needs root (mount, a vmail user, Postfix), openssl, Maven.
# The client never resumes a TLS session unless RESUME=1 (then it offers the last one, as an
# MTA's client cache does): the default figures are full handshakes.
#
# Environment (defaults in brackets):
#   QUICK [0]             1: HANDSHAKES=MESSAGES=400, WARMUP=200, HOLD=1000, HOLD_WARMUP=500,
#                         POSTFIX_HOLD=50, FS=tmpfs (about 3 minutes on a quiet machine)
#   RUNS [1]              runs; the tables show median (min-max)
#   HANDSHAKES [2000]     STARTTLS sessions per handshake cell
#   MESSAGES [2000]       messages per message cell          PER_CONN [10]  messages per connection
#   WARMUP [1000]         sessions / messages before each cell, not counted
#   SESSIONS [20]         concurrent connections               SIZE [5120]   body bytes per message
#   CERTS ["ecdsa rsa"]   certificates: ecdsa (P-256) and/or rsa (2048)
#   TARGETS ["postfix warden"]
#   HOLD [5000]           idle TLS sessions held open by Warden (0: skip the memory step)
#   HOLD_WARMUP [2000]    handshakes to the fresh Warden before its memory is first read
#   POSTFIX_HOLD [100]    the same for Postfix (its default_process_limit)
#   HOLD_TIMEOUT [120]    seconds for a held session to reach its second EHLO
#   RESUME [0]            1: the client resumes TLS sessions
#   BENCH_DIR [/srv/warden-tls]  IMAGE [/var/tmp/warden-tls.img]  IMAGE_SIZE [4G]
#   FS [loop]             loop: journaled ext4 image; tmpfs: in memory (fsync is free)
#   OUT [bench/out/tls]   logs, results, report.txt
#   POSTFIX_PORT [2575]  WARDEN_PORT [2576]
#   CELL_TIMEOUT [300]  WARDEN_START_TIMEOUT [180]  (seconds)
#   KEEP_IMAGE [0]        1 keeps the image file (it is unmounted anyway)
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=bench/common.sh
. "$here/common.sh"

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  HANDSHAKES=${HANDSHAKES:-400} MESSAGES=${MESSAGES:-400} WARMUP=${WARMUP:-200}
  HOLD=${HOLD:-1000} HOLD_WARMUP=${HOLD_WARMUP:-500} POSTFIX_HOLD=${POSTFIX_HOLD:-50} FS=${FS:-tmpfs}
fi
RUNS=${RUNS:-1}
HANDSHAKES=${HANDSHAKES:-2000}
MESSAGES=${MESSAGES:-2000}
PER_CONN=${PER_CONN:-10}
WARMUP=${WARMUP:-1000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-5120}
CERTS=${CERTS:-ecdsa rsa}
TARGETS=${TARGETS:-postfix warden}
HOLD=${HOLD:-5000}
HOLD_WARMUP=${HOLD_WARMUP:-2000}
POSTFIX_HOLD=${POSTFIX_HOLD:-100}
HOLD_TIMEOUT=${HOLD_TIMEOUT:-120}
RESUME=${RESUME:-0}
BENCH_DIR=${BENCH_DIR:-/srv/warden-tls}
IMAGE=${IMAGE:-/var/tmp/warden-tls.img}
IMAGE_SIZE=${IMAGE_SIZE:-4G}
FS=${FS:-loop}
OUT=${OUT:-$repo/bench/out/tls}
POSTFIX_PORT=${POSTFIX_PORT:-2575}
WARDEN_PORT=${WARDEN_PORT:-2576}
CELL_TIMEOUT=${CELL_TIMEOUT:-300}
WARDEN_START_TIMEOUT=${WARDEN_START_TIMEOUT:-180}
KEEP_IMAGE=${KEEP_IMAGE:-0}

SENDER=sender@bench.test
RECIPIENT=user@bench.test
WARM_RECIPIENT=warm@bench.test
HELO=loadgen.bench.test
SNI=mx.bench.test

pf_etc=$BENCH_DIR/postfix-etc
pf_spool=$BENCH_DIR/postfix-spool
pf_maildir=$BENCH_DIR/vhosts/bench.test/user
wd_dir=$BENCH_DIR/warden
wd_maildir=$wd_dir/vhosts/user/Maildir
certs=$BENCH_DIR/certs
pids=$OUT/pids
results=$OUT/results.tsv
memory=$OUT/memory.tsv
# Postfix reads the certificate under test from these two paths (copied before each certificate's
# cells, then `postfix reload`); Warden is started with the certificate's own files.
POSTFIX_EXTRA=(
  "smtpd_tls_security_level = may"
  "smtpd_tls_cert_file = $certs/postfix-current.pem"
  "smtpd_tls_key_file = $certs/postfix-current.key"
  "smtpd_tls_protocols = >=TLSv1.2"
  "smtpd_tls_session_cache_database = btree:\${data_directory}/smtpd_scache"
  "smtpd_tls_loglevel = 0"
  "smtpd_tls_received_header = yes"
)

warden_pid= warden_java= postfix_started=0 mounted=0 load_pid=

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
  [ -n "$warden_pid" ] && { say "stopping warden (pid $warden_pid)"; stop_group warden "$warden_pid"; }
  [ "$postfix_started" = 1 ] && { say "stopping postfix"; stop_postfix; }
  if [ "$mounted" = 1 ]; then
    unmount_bench && [ "$FS" = loop ] && [ "$KEEP_IMAGE" != 1 ] && rm -f "$IMAGE"
  fi
  exit "$rc"
}

# ---- setup

check_prerequisites() {
  local t
  for t in $TARGETS; do
    case $t in postfix|warden) ;; *) die "unknown target '$t' in TARGETS (postfix warden)";; esac
  done
  for t in $CERTS; do
    case $t in ecdsa|rsa) ;; *) die "unknown certificate '$t' in CERTS (ecdsa rsa)";; esac
  done
  case $FS in loop|tmpfs) ;; *) die "FS must be loop or tmpfs, not '$FS'";; esac
  [[ $RUNS =~ ^[1-9][0-9]*$ && $HANDSHAKES =~ ^[1-9][0-9]*$ && $MESSAGES =~ ^[1-9][0-9]*$ && $PER_CONN =~ ^[1-9][0-9]*$ ]] \
    || die "RUNS, HANDSHAKES, MESSAGES and PER_CONN must be positive integers"
  [[ $WARMUP =~ ^[0-9]+$ && $HOLD =~ ^[0-9]+$ && $POSTFIX_HOLD =~ ^[0-9]+$ ]] \
    || die "WARMUP, HOLD and POSTFIX_HOLD must be non-negative integers"
  install_postfix
  for t in openssl mvn mkfs.ext4 losetup mountpoint ss timeout; do
    command -v "$t" >/dev/null || die "$t not found"
  done
  for t in $TARGETS; do
    [ -z "$(ss -Hltn "sport = :$(port_of "$t")")" ] \
      || die "port 127.0.0.1:$(port_of "$t") for $t is in use; set ${t^^}_PORT to a free port"
  done
  # Warden, the client and 5 000 sessions: each side needs a file descriptor per session.
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  (($(ulimit -n) > HOLD + 1000)) || die "ulimit -n is $(ulimit -n), too low for HOLD=$HOLD sessions"
}

port_of() { case $1 in postfix) echo "$POSTFIX_PORT";; warden) echo "$WARDEN_PORT";; esac; }
maildir_of() { case $1 in postfix) echo "$pf_maildir";; warden) echo "$wd_maildir";; esac; }
warm_maildir_of() { case $1 in postfix) echo "$BENCH_DIR/vhosts/bench.test/warm";; warden) echo "$wd_dir/vhosts/warm/Maildir";; esac; }

# The test classes (TlsLoad) and their classpath, as bench/greylist.sh does; the JDK as ./warden finds it.
build_load_generator() {
  # shellcheck source=scripts/find-jdk.sh
  . "$repo/scripts/find-jdk.sh"
  warden_find_jdk >/dev/null || die "no JDK 21+ found (set JAVA_HOME)"
  say "compiling the load generator (mvn test-compile)"
  (cd "$repo" && { mvn -q -B -o test-compile || mvn -q -B test-compile; } &&
    mvn -q -B -o org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
      -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null 2>&1 ||
    mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
      -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test) >"$OUT/build.log" 2>&1 \
    || die "the build failed; see $OUT/build.log"
  load_cp="$repo/target/test-classes:$repo/target/classes:$(cat "$repo/target/bench.classpath")"
}

make_certificates() {
  mkdir -p "$certs"
  say "making the certificates (openssl): ECDSA P-256 and RSA 2048 for $SNI"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=$SNI" \
    -addext "subjectAltName=DNS:$SNI" -keyout "$certs/ecdsa.key" -out "$certs/ecdsa.pem" >"$OUT/openssl.log" 2>&1 \
    || die "openssl could not make the ECDSA certificate; see $OUT/openssl.log"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$SNI" \
    -addext "subjectAltName=DNS:$SNI" -keyout "$certs/rsa.key" -out "$certs/rsa.pem" >>"$OUT/openssl.log" 2>&1 \
    || die "openssl could not make the RSA certificate; see $OUT/openssl.log"
  chmod 600 "$certs"/*.key
  use_postfix_cert "${CERTS%% *}"
}

# Points Postfix at a certificate: the files it reads are replaced, then `postfix reload` (if it runs).
use_postfix_cert() { # ecdsa|rsa
  cp "$certs/$1.pem" "$certs/postfix-current.pem"
  cp "$certs/$1.key" "$certs/postfix-current.key"
  chmod 600 "$certs/postfix-current.key"
  if [ "$postfix_started" = 1 ]; then
    postfix -c "$pf_etc" reload >>"$OUT/postfix.log" 2>&1 || die "postfix reload failed; see $OUT/postfix.log"
    sleep 1 # the master restarts its children with the new files
  fi
}

start_bench_postfix() {
  start_postfix
  echo "$WARM_RECIPIENT bench.test/warm/" >>"$pf_etc/vmailbox"
  postmap "hash:$pf_etc/vmailbox"
}

start_warden() { # ecdsa|rsa [extra yaml]
  write_warden_config tls.sh <<EOF
tls:
  certificate: $certs/$1.pem
  key: $certs/$1.key
${2:-}
EOF
  echo "warm: warm@localhost" >>"$wd_dir/virtual/bench.test"
  serve_warden
}

stop_warden() {
  stop_group warden "$warden_pid"
  warden_pid= warden_java=
}

# ---- the load generator

# Runs TlsLoad in the foreground; its output goes to $OUT/load.out and the result line to $load_result.
run_load() { # target args...
  local target=$1 rc=0
  shift
  timeout "$CELL_TIMEOUT" "$JAVA_HOME/bin/java" -Xss256k -cp "$load_cp" warden.bench.TlsLoad \
    --connect "127.0.0.1:$(port_of "$target")" --sessions "$SESSIONS" --helo "$HELO" --sni "$SNI" \
    --from "$SENDER" --to "$RECIPIENT" --size "$SIZE" ${resume_flag[@]+"${resume_flag[@]}"} "$@" \
    >"$OUT/load.out" 2>&1 || rc=$?
  cat "$OUT/load.out" >>"$OUT/load.log"
  ((rc == 0)) || die "$target: the load generator failed (status $rc): $(grep -v '^result' "$OUT/load.out" | tail -n 5)"
  load_result=$(grep '^result ' "$OUT/load.out" | tail -n 1)
}

field() { # name -> value from $load_result
  local v
  v=$(tr ' ' '\n' <<<"$load_result" | sed -n "s/^$1=//p")
  echo "${v:--}"
}

fresh_maildirs() { # target
  local d
  for d in "$(maildir_of "$1")" "$(warm_maildir_of "$1")"; do
    rm -rf "$d"
    mkdir -p "$d/new" "$d/cur" "$d/tmp"
  done
  [ "$1" = postfix ] && chown -R vmail:vmail "$BENCH_DIR/vhosts/bench.test"
  return 0
}

await_files() { # dir n what
  local deadline=$((SECONDS + CELL_TIMEOUT)) have
  while have=$(count_files "$1"); ((have < $2)); do
    ((SECONDS < deadline)) || die "$3: only $have of $2 messages reached $1 after ${CELL_TIMEOUT}s"
    sleep 0.05
  done
  ((have == $2)) || die "$3: $have files in $1 for $2 messages sent"
}

await_postfix_queue() {
  local deadline=$((SECONDS + CELL_TIMEOUT))
  until postfix_queue_empty; do
    ((SECONDS < deadline)) || die "postfix queue not empty after ${CELL_TIMEOUT}s (see $OUT/postfix.log)"
    sleep 0.1
  done
}

record() { # target cert cell rate e2e cpu p50 p99 tls server-cpu-ms
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$@" | tee -a "$results" |
    awk -F'\t' '{ printf "    %-8s %-6s %-10s %8s/s  e2e %6s/s  cpu %3s%%  server %s ms each  p50/p99 %s/%s ms  %s\n", $2, $3, $4, $5, $6, $7, $11, $8, $9, $10 }' >&2
}

cpu_percent() { # "busy total" before, after
  awk -v c0="$1" -v c1="$2" 'BEGIN { split(c0, a, " "); split(c1, b, " "); printf "%.0f", (b[2] > a[2]) ? 100 * (b[1] - a[1]) / (b[2] - a[2]) : 0 }'
}

# CPU time (clock ticks) the server has used so far: Warden's JVM; Postfix's master with the
# children it has reaped (cutime, cstime) plus every live process under it (smtpd, tlsmgr, cleanup,
# virtual, qmgr...). Divided by the work done in a cell, it compares the servers' cost per handshake
# or message whatever else runs on the machine.
server_ticks() { # target
  local root
  case $1 in
    warden) root=$warden_java;;
    postfix) root=$(tr -d ' ' <"$pf_spool/pid/master.pid");;
  esac
  # shellcheck disable=SC2046
  { sed 's/^.*) //' "/proc/$root/stat" | awk '{ print $12 + $13 + $14 + $15 }'
    for p in $(pgrep -P "$root" || true); do sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }'; done
  } | awk '{ t += $1 } END { print t + 0 }'
}

# Waits until the client has finished its warm-up (it then waits for $OUT/go).
await_warm() { # target
  local deadline=$((SECONDS + CELL_TIMEOUT))
  ((WARMUP > 0)) || return 0
  until grep -q '^warm:' "$OUT/load.out"; do
    kill -0 "$load_pid" 2>/dev/null || die "$1: the load generator ended in its warm-up: $(tail -n 5 "$OUT/load.out")"
    ((SECONDS < deadline)) || die "$1: the warm-up did not end within ${CELL_TIMEOUT}s"
    sleep 0.1
  done
}

cpu_ms_per() { # ticks-before ticks-after count
  awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) * 1000 / hz / n }'
}

handshake_cell() { # target cert
  local c0 c1 s0 s1 go=$OUT/go rc=0
  say "run $run: $2: $1 handshakes: $WARMUP warm-up + $HANDSHAKES counted, $SESSIONS at once"
  rm -f "$go"
  : >"$OUT/load.out"
  timeout "$CELL_TIMEOUT" "$JAVA_HOME/bin/java" -Xss256k -cp "$load_cp" warden.bench.TlsLoad \
    --connect "127.0.0.1:$(port_of "$1")" --sessions "$SESSIONS" --helo "$HELO" --sni "$SNI" \
    ${resume_flag[@]+"${resume_flag[@]}"} --mode handshakes --warmup "$WARMUP" --count "$HANDSHAKES" --go "$go" \
    >"$OUT/load.out" 2>&1 &
  load_pid=$!
  await_warm "$1"
  c0=$(cpu_ticks) s0=$(server_ticks "$1")
  touch "$go"
  wait "$load_pid" || rc=$?
  load_pid=
  c1=$(cpu_ticks) s1=$(server_ticks "$1")
  cat "$OUT/load.out" >>"$OUT/load.log"
  ((rc == 0)) || die "$1: the load generator failed (status $rc): $(grep -v '^result' "$OUT/load.out" | tail -n 5)"
  load_result=$(grep '^result ' "$OUT/load.out" | tail -n 1)
  (($(field ok) == HANDSHAKES)) || die "$1: $(field ok) of $HANDSHAKES handshakes"
  record "$1" "$2" handshakes "$(field rate)" - "$(cpu_percent "$c0" "$c1")" "$(field handshake_p50_ms)" \
    "$(field handshake_p99_ms)" "$(field tls)" "$(cpu_ms_per "$s0" "$s1" "$HANDSHAKES")"
}

message_cell() { # target cert
  local target=$1 go=$OUT/go c0 c1 s0 s1 t2 start e2e maildir
  maildir=$(maildir_of "$target")
  [ "$target" = postfix ] && await_postfix_queue
  fresh_maildirs "$target"
  rm -f "$go"
  say "run $run: $2: $target messages: $WARMUP warm-up + $MESSAGES counted, $PER_CONN per connection, $SESSIONS at once"
  : >"$OUT/load.out" # before the client starts: the checks below must not read the last cell's lines
  timeout "$CELL_TIMEOUT" "$JAVA_HOME/bin/java" -Xss256k -cp "$load_cp" warden.bench.TlsLoad \
    --connect "127.0.0.1:$(port_of "$target")" --sessions "$SESSIONS" --helo "$HELO" --sni "$SNI" \
    --from "$SENDER" --to "$RECIPIENT" --size "$SIZE" ${resume_flag[@]+"${resume_flag[@]}"} \
    --mode messages --per-conn "$PER_CONN" --count "$MESSAGES" \
    --warmup "$WARMUP" --warmup-to "$WARM_RECIPIENT" --go "$go" >"$OUT/load.out" 2>&1 &
  load_pid=$!
  if ((WARMUP > 0)); then
    await_warm "$target"
    await_files "$(warm_maildir_of "$target")/new" "$WARMUP" "$target warm-up"
    [ "$target" = postfix ] && await_postfix_queue
    sync; sleep 0.5 # every cell starts from the same state: no dirty pages of the warm-up
  fi
  c0=$(cpu_ticks) s0=$(server_ticks "$target")
  touch "$go"
  local rc=0
  wait "$load_pid" || rc=$?
  load_pid=
  cat "$OUT/load.out" >>"$OUT/load.log"
  ((rc == 0)) || die "$target: the load generator failed (status $rc): $(grep -v '^result' "$OUT/load.out" | tail -n 5)"
  load_result=$(grep '^result ' "$OUT/load.out" | tail -n 1)
  await_files "$maildir/new" "$MESSAGES" "$target"
  t2=$EPOCHREALTIME
  [ "$target" = postfix ] && await_postfix_queue # its queue manager's work is part of the cost
  c1=$(cpu_ticks) s1=$(server_ticks "$target")
  start=$(field start)
  e2e=$(awk -v n="$MESSAGES" -v a="$start" -v b="$t2" 'BEGIN { printf "%.0f", n / (b - a) }')
  record "$target" "$2" messages "$(field rate)" "$e2e" "$(cpu_percent "$c0" "$c1")" "$(field message_p50_ms)" \
    "$(field message_p99_ms)" "$(field tls)" "$(cpu_ms_per "$s0" "$s1" "$MESSAGES")"
}

# ---- memory of idle TLS sessions

# Holds n sessions after STARTTLS and the second EHLO; runs "measure before" and "measure after"
# around it and appends a line to memory.tsv.
hold_cell() { # target cert n
  local target=$1 n=$3 release=$OUT/release before after deadline
  rm -f "$release"
  before=$(memory_of "$target")
  live_before=$(live_heap "$target") # a full GC: after the RSS reading, as below
  say "memory: $target holds $n TLS sessions ($2); before: $before (RSS PSS KiB)"
  : >"$OUT/load.out"
  "$JAVA_HOME/bin/java" -Xss256k -cp "$load_cp" warden.bench.TlsLoad \
    --connect "127.0.0.1:$(port_of "$target")" --sessions 200 --helo "$HELO" --sni "$SNI" \
    ${resume_flag[@]+"${resume_flag[@]}"} --mode hold --count "$n" --hold-timeout "$HOLD_TIMEOUT" \
    --release "$release" >"$OUT/load.out" 2>&1 &
  load_pid=$!
  deadline=$((SECONDS + HOLD_TIMEOUT + 60))
  until grep -q '^result ' "$OUT/load.out"; do
    kill -0 "$load_pid" 2>/dev/null || die "$target: the load generator ended: $(tail -n 5 "$OUT/load.out")"
    ((SECONDS < deadline)) || die "$target: $n sessions not held within $((HOLD_TIMEOUT + 60))s"
    sleep 0.2
  done
  load_result=$(grep '^result ' "$OUT/load.out" | tail -n 1)
  [ "$(field failed)" = - ] || die "$target: $(head -n 3 "$OUT/load.out")"
  sleep 2 # let the server settle (buffers, the log)
  after=$(memory_of "$target")
  live_after=$(live_heap "$target" "$OUT/$target-histogram.txt")
  say "memory: $target held $(field held), not served $(field unserved); after: $after; live heap $live_before -> $live_after bytes"
  touch "$release"
  wait "$load_pid" || true
  load_pid=
  cat "$OUT/load.out" >>"$OUT/load.log"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$2" "$n" "$(field held)" "$(field unserved)" "$before" "$after" \
    "$live_before" "$live_after" | tr ' ' '\t' >>"$memory"
}

memory_of() { # target -> "rss_kib pss_kib" (Warden: the JVM; Postfix: master and all its processes)
  case $1 in
    warden) awk '/^VmRSS:/ { r = $2 } /^Pss:/ { p = $2 } END { print r + 0, p + 0 }' \
              "/proc/$warden_java/status" "/proc/$warden_java/smaps_rollup";;
    postfix) tree_memory "$(tr -d ' ' <"$pf_spool/pid/master.pid")";;
  esac
}

# The JVM's live heap in bytes after a full GC (jcmd GC.class_histogram); "-" for Postfix. With a
# file, the top of the histogram is kept there (what a held session is made of).
live_heap() { # target [histogram-file]
  [ "$1" = warden ] || { echo -; return 0; }
  local h
  h=$("$JAVA_HOME/bin/jcmd" "$warden_java" GC.class_histogram 2>/dev/null) || { echo -; return 0; }
  [ -z "${2:-}" ] || head -n 30 <<<"$h" >"$2"
  awk '/^Total/ { print $3 }' <<<"$h"
}

restart_postfix() {
  stop_postfix
  postfix -c "$pf_etc" start >>"$OUT/postfix.log" 2>&1 || die "postfix start failed; see $OUT/postfix.log"
  postfix_started=1
  wait_listening postfix "$POSTFIX_PORT" "" 20 || die "postfix did not listen again; see $OUT/postfix.log"
  sleep 2
}

# ---- report

report() {
  awk -F'\t' -v runs="$RUNS" "$awk_medians"'
    function ratio(a, b) { return (median(b) + 0 > 0) ? median(a) / median(b) : 0 }
    $1 == "run" { next }
    {
      k = $3 SUBSEP $4 SUBSEP $2
      rate[k] = rate[k] " " $5; e2e[k] = e2e[k] " " $6; cpu[k] = cpu[k] " " $7
      p50[k] = p50[k] " " $8; p99[k] = p99[k] " " $9; tls[k] = $10; scpu[k] = scpu[k] " " $11
      if (!(($3 SUBSEP $4) in seen)) { seen[$3 SUBSEP $4] = 1; order[++n] = $3 SUBSEP $4 }
    }
    END {
      name["postfix"] = "Postfix"; name["warden"] = "Warden"
      printf "\nmedian of %s run(s) (min-max); cpu%%: the whole machine, client included\n", runs
      printf "\n%-6s %-10s %-8s %-20s %-16s %5s %11s %16s  %s\n", "cert", "cell", "server", "per second", "e2e msgs/s", "cpu%", "server ms", "p50/p99 ms", "negotiated"
      for (i = 1; i <= n; i++) {
        split(order[i], ck, SUBSEP)
        for (t = 1; t <= 2; t++) {
          s = (t == 1) ? "postfix" : "warden"; k = ck[1] SUBSEP ck[2] SUBSEP s
          if (!(k in rate)) continue
          printf "%-6s %-10s %-8s %-20s %-16s %5.0f %11.2f %16s  %s\n", ck[1], ck[2], name[s], cell(rate[k]), (ck[2] == "messages") ? cell(e2e[k]) : "-",
            median(cpu[k]), median(scpu[k]), sprintf("%.2f/%.2f", median(p50[k]), median(p99[k])), tls[k]
        }
        kp = ck[1] SUBSEP ck[2] SUBSEP "postfix"; kw = ck[1] SUBSEP ck[2] SUBSEP "warden"
        if ((kp in rate) && (kw in rate) && median(rate[kp]) > 0) {
          if (ck[2] == "messages")
            printf "%-6s %-10s Warden/Postfix: %.2fx accepted, %.2fx end to end; server CPU per message %.2fx\n", ck[1], ck[2],
              median(rate[kw]) / median(rate[kp]), ratio(e2e[kw], e2e[kp]), ratio(scpu[kw], scpu[kp])
          else
            printf "%-6s %-10s Warden/Postfix: %.2fx; server CPU per handshake %.2fx\n", ck[1], ck[2], median(rate[kw]) / median(rate[kp]),
              ratio(scpu[kw], scpu[kp])
        }
      }
    }' "$results"
  printf '\nhandshakes: sessions/s of connect, EHLO, STARTTLS, handshake, EHLO, QUIT (p50/p99: STARTTLS sent to handshake done);\n'
  printf 'messages: %s-byte messages/s, %s per connection, accepted (the client'"'"'s time) and end to end (until every file is in\n' "$SIZE" "$PER_CONN"
  printf 'Maildir/new); p50/p99: MAIL to the reply after the dot. server ms: CPU milliseconds the server used per session or\n'
  printf 'message (Warden: its JVM; Postfix: all its processes, queue manager and delivery included). %s concurrent sessions; %s.\n' "$SESSIONS" \
    "$([ "$RESUME" = 1 ] && echo "the client resumed TLS sessions" || echo "full handshakes, no session resumed")"
  [ "$(wc -l <"$memory")" -gt 1 ] || return 0
  printf '\nIdle TLS sessions held open after STARTTLS and EHLO\n\n'
  printf '%-8s %-6s %6s %6s %8s %11s %11s %11s %11s %12s %12s %13s\n' server cert asked held unserved "RSS before" "RSS after" \
    "PSS before" "PSS after" "RSS/session" "PSS/session" "live heap/s."
  awk -F'\t' '
    $1 == "target" { next }
    {
      name = ($1 == "warden") ? "Warden" : "Postfix"
      per_r = ($4 > 0) ? ($8 - $6) / $4 : 0; per_p = ($4 > 0) ? ($9 - $7) / $4 : 0
      live = ($10 != "-" && $11 != "-" && $4 > 0) ? sprintf("%.1f KiB", ($11 - $10) / $4 / 1024) : "-"
      printf "%-8s %-6s %6d %6d %8d %7.0f MiB %7.0f MiB %7.0f MiB %7.0f MiB %8.1f KiB %8.1f KiB %13s\n", name, $2, $3, $4, $5,
        $6 / 1024, $8 / 1024, $7 / 1024, $9 / 1024, per_r, per_p, live
    }' "$memory"
  printf '\nlive heap/s.: the JVM'"'"'s live objects after a full GC (jcmd GC.class_histogram), per session; top classes in\n'
  printf '%s. Warden: the JVM (the launcher'"'"'s -Xmx1g -Xmn64m). Postfix: master and every process (RSS counts shared pages once per\n' "$OUT/warden-histogram.txt"
  printf 'process, PSS shares them out: PSS is the fair figure); one smtpd per session, at most default_process_limit (100) at once.\n'
}

# ---- main

[ "${1:-}" = -h ] || [ "${1:-}" = --help ] && usage
[ "$(id -u)" = 0 ] || die "run as root (it mounts a loop image and runs a private Postfix)"
mkdir -p "$OUT" "$pids"
reap_leftovers
check_prerequisites
load_start=$(cut -d' ' -f1 /proc/loadavg)
resume_flag=()
[ "$RESUME" = 1 ] && resume_flag=(--resume)
: >"$OUT/load.log"
: >"$OUT/warden.log"
build_load_generator
make_filesystem
make_certificates
printf 'run\ttarget\tcert\tcell\trate\te2e\tcpu\tp50_ms\tp99_ms\ttls\tserver_cpu_ms\n' >"$results"
printf 'target\tcert\tasked\theld\tunserved\trss_before\tpss_before\trss_after\tpss_after\tlive_before\tlive_after\n' >"$memory"

if [[ " $TARGETS " == *" postfix "* ]]; then
  say "starting a private postfix instance on 127.0.0.1:$POSTFIX_PORT with STARTTLS"
  start_bench_postfix
fi

for ((run = 1; run <= RUNS; run++)); do
  for cert in $CERTS; do
    order=$TARGETS
    ((run % 2 == 0)) && order=$(tr ' ' '\n' <<<"$TARGETS" | tac | tr '\n' ' ')
    for t in $order; do
      if [ "$t" = postfix ]; then
        use_postfix_cert "$cert"
      else
        say "run $run: starting warden on 127.0.0.1:$WARDEN_PORT with the $cert certificate (a fresh JVM)"
        start_warden "$cert"
      fi
      handshake_cell "$t" "$cert"
      message_cell "$t" "$cert"
      [ "$t" = warden ] && stop_warden
    done
  done
done

if ((HOLD > 0)); then
  cert=${CERTS%% *}
  for t in $TARGETS; do
    if [ "$t" = warden ]; then
      say "memory: a fresh warden with the $cert certificate"
      start_warden "$cert" "limits: {max_connections: $((HOLD + 1000)), command_timeout: 10m}"
      run_load warden --mode handshakes --count "$HOLD_WARMUP"
      sleep 2
      hold_cell warden "$cert" "$HOLD"
      stop_warden
    elif ((POSTFIX_HOLD > 0)); then
      use_postfix_cert "$cert"
      say "memory: restarting postfix (no idle smtpd left from the cells)"
      restart_postfix
      hold_cell postfix "$cert" "$POSTFIX_HOLD"
    fi
  done
fi

report | tee "$OUT/report.txt"
load_end=$(cut -d' ' -f1 /proc/loadavg)
printf 'Load average (1 min) at start %s, at end %s on %s CPUs%s\n' "$load_start" "$load_end" "$(nproc)" \
  "$(awk -v a="$load_start" -v b="$load_end" -v c="$(nproc)" 'BEGIN { if (a > c || b > c) print ": other work competed for the CPUs; compare servers only within this run" }')" \
  | tee -a "$OUT/report.txt"
say "results: $results, $memory; report: $OUT/report.txt; logs in $OUT"
