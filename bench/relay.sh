#!/usr/bin/env bash
# relay.sh - how fast Warden relays: messages received from smtp-source and delivered over SMTP to
# smtp-sink on loopback, end to end, next to Postfix relaying to the same sink, measured in ONE
# run on the same journaled file system; then both with a large deferred queue.
#
# A benchmark, not a test: it prints figures, and fails only when a step fails (a server does
# not start, the generator is refused, a message is lost or arrives twice at the sink, a queue
# does not empty). bench/README.md explains every figure. Issue 8's goal: end to end at least
# 3x Postfix, nothing lost or duplicated; with 100 000 messages deferred, Warden's RSS and the
# time of `warden queue list`.
#
# What it does, in order:
#   1. installs Postfix (preseeded, non-interactive) if smtp-source is missing;
#   2. makes a fresh sparse image, mkfs.ext4 (journaled), loop-mounts it at $BENCH_DIR
#      (FS=tmpfs: memory);
#   3. starts smtp-sink (-c: running counters; -D: every message appended to a dump file), a
#      private Postfix instance that relays everything to it (relayhost = [127.0.0.1]:SINK_PORT,
#      its queue on the image) and `./warden serve` with `routes: {relay.test: [[127.0.0.1]:SINK_PORT]}`
#      (its spool on the image);
#   4. relay cells, per run and target: smtp-source -d sends N messages to user@relay.test; the
#      cell ends when the sink has received N more messages AND the server's queue is empty;
#      then the dump must hold N distinct Message-Ids and no Message-Id twice;
#   5. deferred queue: smtp-sink is restarted answering 451 to every RCPT; each target gets
#      DEFER_MESSAGES messages; once all are deferred: memory, the queue-listing command's time
#      (`warden queue list`; Postfix `postqueue -p`), and for Warden a restart on that queue
#      (time until it listens, memory after);
#   6. prints both tables, then stops what it started (by PID and process group, `postfix -c ...
#      stop`), unmounts and deletes the image, on success and on failure alike.
#
# Everything listens on 127.0.0.1 only. Needs root (mount, apt-get, a vmail user).
#
# Environment (defaults in brackets):
#   RUNS [3]              runs of the relay cell per target; the table shows median (min-max)
#   MESSAGES [10000]      messages per relay cell   WARMUP [5000]  uncounted, per target per run
#   SESSIONS [20]         concurrent smtp-source sessions    SIZE [5120]  body bytes per message
#   TARGETS ["postfix warden"]
#   DEFER_MESSAGES [100000]  messages in the deferred-queue step (0: skip the step)
#   DEFER_TARGETS [$TARGETS] targets of that step
#   BENCH_DIR [/srv/warden-relay]  IMAGE [/var/tmp/warden-relay.img]  IMAGE_SIZE [16G]
#   FS [loop]             loop: journaled ext4 image; tmpfs: in memory (fsync is free)
#   OUT [bench/out/relay] logs, results, report.txt
#   SINK_PORT [2560]  POSTFIX_PORT [2565]  WARDEN_PORT [2566]
#   CELL_TIMEOUT [900]  DEFER_TIMEOUT [3600]  WARDEN_START_TIMEOUT [180]  (seconds)
#   RESTART_SETTLE [10]   seconds after the restarted Warden listens before its memory is read
#   KEEP_IMAGE [0]        1 keeps the image file (it is unmounted anyway)
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=bench/common.sh
. "$here/common.sh"

RUNS=${RUNS:-3}
MESSAGES=${MESSAGES:-10000}
WARMUP=${WARMUP:-5000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-5120}
TARGETS=${TARGETS:-postfix warden}
DEFER_MESSAGES=${DEFER_MESSAGES:-100000}
DEFER_TARGETS=${DEFER_TARGETS:-$TARGETS}
BENCH_DIR=${BENCH_DIR:-/srv/warden-relay}
IMAGE=${IMAGE:-/var/tmp/warden-relay.img}
IMAGE_SIZE=${IMAGE_SIZE:-16G}
FS=${FS:-loop}
OUT=${OUT:-$repo/bench/out/relay}
SINK_PORT=${SINK_PORT:-2560}
POSTFIX_PORT=${POSTFIX_PORT:-2565}
WARDEN_PORT=${WARDEN_PORT:-2566}
CELL_TIMEOUT=${CELL_TIMEOUT:-900}
DEFER_TIMEOUT=${DEFER_TIMEOUT:-3600}
WARDEN_START_TIMEOUT=${WARDEN_START_TIMEOUT:-180}
RESTART_SETTLE=${RESTART_SETTLE:-10}
KEEP_IMAGE=${KEEP_IMAGE:-0}

SENDER=sender@bench.test
RECIPIENT=user@relay.test # neither server's own domain: both relay it to the sink
HELO=loadgen.bench.test
DEFER_REPLY="451 4.3.0 bench: try again later"

pf_etc=$BENCH_DIR/postfix-etc
pf_spool=$BENCH_DIR/postfix-spool
wd_dir=$BENCH_DIR/warden
wd_queue=$wd_dir/data/spool/queue
wd_mainlog=$wd_dir/data/log/mainlog
sink_dir=$BENCH_DIR/sink
pids=$OUT/pids
results=$OUT/relay.tsv
deferred=$OUT/deferred.tsv
# The same Postfix as throughput.sh (common.sh), but everything not for bench.test goes to the
# sink: relayhost with brackets (no MX lookup), the smtp(8) client with Debian's defaults
# (20 parallel deliveries per destination, connection cache on demand).
# Both servers retry a deferred message after an hour here (instead of 5 minutes), so that the
# deferred queue stays still while it is measured.
POSTFIX_EXTRA=("relayhost = [127.0.0.1]:$SINK_PORT" "default_transport = smtp" "relay_transport = relay"
  "minimal_backoff_time = 1h" "maximal_backoff_time = 1h")

sink_pid= warden_pid= warden_java= postfix_started=0 mounted=0

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
  [ -n "$warden_pid" ] && { say "stopping warden (pid $warden_pid)"; stop_group warden "$warden_pid"; }
  [ -n "$sink_pid" ] && stop_group sink "$sink_pid"
  [ "$postfix_started" = 1 ] && { say "stopping postfix"; stop_postfix; }
  if [ "$mounted" = 1 ]; then
    unmount_bench && [ "$FS" = loop ] && [ "$KEEP_IMAGE" != 1 ] && rm -f "$IMAGE"
  fi
  exit "$rc"
}

# ---- setup

check_prerequisites() {
  local t
  for t in $TARGETS $DEFER_TARGETS; do
    case $t in postfix|warden) ;; *) die "unknown target '$t' (postfix warden)";; esac
  done
  case $FS in loop|tmpfs) ;; *) die "FS must be loop or tmpfs, not '$FS'";; esac
  [[ $RUNS =~ ^[1-9][0-9]*$ && $MESSAGES =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ && $DEFER_MESSAGES =~ ^[0-9]+$ ]] \
    || die "RUNS and MESSAGES must be positive integers, WARMUP and DEFER_MESSAGES non-negative ones"
  install_postfix
  for t in mkfs.ext4 losetup mountpoint ss timeout smtp-sink smtp-source; do
    command -v "$t" >/dev/null || die "$t not found"
  done
  for t in sink $TARGETS; do
    [ -z "$(ss -Hltn "sport = :$(port_of "$t")")" ] \
      || die "port 127.0.0.1:$(port_of "$t") for $t is in use; set ${t^^}_PORT to a free port"
  done
}

port_of() { case $1 in sink) echo "$SINK_PORT";; postfix) echo "$POSTFIX_PORT";; warden) echo "$WARDEN_PORT";; esac; }

# The relaying sink: counts every message (-c) and appends each to $sink_dir/dump (-D), which
# is moved aside before each cell so that a cell's Message-Ids can be checked on their own.
start_relay_sink() {
  mkdir -p "$sink_dir"
  chown nobody "$sink_dir"
  start_sink -c -D "$sink_dir/dump"
}

# The deferring sink: 451 to every RCPT, so every message stays in the sender's queue.
start_defer_sink() {
  start_sink -c -r rcpt -b "$DEFER_REPLY"
}

# A counter of the sink's -c line: mesg (messages received, "." seen) or sess (connections).
sink_counter() { # mesg|sess
  local n
  n=$(tail -c 300 "$OUT/smtp-sink.log" | tr '\r' '\n' | grep -o "$1=[0-9]*" | tail -n 1 || true)
  echo "${n#"$1"=}" | sed 's/^$/0/'
}
sink_count() { sink_counter mesg; }

start_warden() {
  write_warden_config relay.sh <<EOF
routes:
  relay.test: ["[127.0.0.1]:$SINK_PORT"]
queue:
  retry_min: 1h
  retry_max: 1h
EOF
  serve_warden
}

stop_warden() {
  stop_group warden "$warden_pid"
  warden_pid= warden_java=
}

queue_empty() { # target
  case $1 in
    postfix) postfix_queue_empty;;
    warden) (($(count_files "$wd_queue") == 0));;
  esac
}

# Messages waiting in a target's queue (Postfix: every queue file under its queue directories).
queue_size() { # target
  case $1 in
    postfix) find "$pf_spool/maildrop" "$pf_spool/incoming" "$pf_spool/active" "$pf_spool/deferred" \
               "$pf_spool/hold" -type f 2>/dev/null | wc -l;;
    warden) count_files "$wd_queue";;
  esac
}

generate() { # target count: smtp-source into the target, every reply checked by smtp-source
  local out
  out=$(timeout "$CELL_TIMEOUT" smtp-source -d -s "$SESSIONS" -m "$2" -l "$SIZE" -f "$SENDER" -t "$RECIPIENT" \
          -M "$HELO" "127.0.0.1:$(port_of "$1")" 2>&1) \
    || die "$1: smtp-source failed (status $?): $out"
  # smtp-source reports a refused message on stderr and carries on: any output is a failure.
  [ -z "$out" ] || die "$1: smtp-source reported: $(head -n 5 <<<"$out")"
}

# ---- the relay cell

# Sends n messages, waits until the sink has n more and the queue is empty; with record=1 appends
# a line to relay.tsv after checking the dump: n distinct Message-Ids, none twice.
run_cell() { # target n record
  local target=$1 n=$2 record=$3 base sess0 t0 t1 t2 c0 c1 got deadline ids distinct dups
  deadline=$((SECONDS + CELL_TIMEOUT))
  until queue_empty "$target"; do
    ((SECONDS < deadline)) || die "$target: queue not empty before the cell"
    sleep 0.2
  done
  rm -f "$sink_dir/dump" # the sink holds it open only during a transaction; none runs now
  base=$(sink_count) sess0=$(sink_counter sess)
  sync; sleep 0.5 # every cell starts from the same state: no dirty pages of the last one
  c0=$(cpu_ticks)
  t0=$EPOCHREALTIME
  generate "$target" "$n"
  t1=$EPOCHREALTIME
  while got=$(($(sink_count) - base)); ((got < n)) || ! queue_empty "$target"; do
    ((SECONDS < deadline)) || die "$target: after ${CELL_TIMEOUT}s the sink has $got of $n messages and the queue holds $(queue_size "$target")"
    sleep 0.05
  done
  t2=$EPOCHREALTIME
  c1=$(cpu_ticks)
  sleep 1 # a duplicate sent late would show now
  got=$(($(sink_count) - base))
  # The sink counts a connection when it ends: wait (not timed) until the server has closed the
  # ones it kept for reuse (Warden after 5 s idle, Postfix after 2 s), so that all are counted.
  local quiet=$((SECONDS + 30))
  while [ -n "$(ss -Htn state established "dport = :$SINK_PORT")" ] && ((SECONDS < quiet)); do sleep 0.2; done
  ids=$(grep -ao 'Message-Id: <[^>]*>' "$sink_dir/dump" | sort)
  distinct=$(uniq <<<"$ids" | grep -c . || true)
  dups=$(uniq -d <<<"$ids" | grep -c . || true)
  ((got == n && distinct == n && dups == 0)) \
    || die "$target: $n messages sent, the sink received $got with $distinct distinct Message-Ids, $dups of them more than once"
  [ "$record" = 1 ] || return 0
  awk -v run="$run" -v target="$target" -v n="$n" -v t0="$t0" -v t1="$t1" -v t2="$t2" \
      -v c0="$c0" -v c1="$c1" -v got="$got" -v dups="$dups" -v sess="$(($(sink_counter sess) - sess0))" '
    BEGIN {
      split(c0, a, " "); split(c1, b, " ")
      cpu = (b[2] > a[2]) ? 100 * (b[1] - a[1]) / (b[2] - a[2]) : 0
      printf "%s\t%s\t%d\t%.0f\t%.0f\t%.0f\t%d\t%d\t%d\n", run, target, n, n / (t1 - t0), n / (t2 - t0), cpu, got, dups, sess
    }' | tee -a "$results" |
    awk -F'\t' '{ printf "    %-8s accept %6s/s  e2e %6s/s  cpu %3s%%  at the sink %s, twice %s, over %s connections\n", $2, $4, $5, $6, $7, $8, $9 }' >&2
}

# ---- the deferred queue

# Fills the target's queue with DEFER_MESSAGES messages the sink refuses with 451, then measures
# memory and the listing command; for Warden also a restart on that queue.
run_deferred() { # target
  local target=$1 n=$DEFER_MESSAGES t0 t1 t2 deadline have defers0 defers mem rss pss hwm
  local list_s list_lines list_what restart_s rss2 hwm2 r0
  defers0=0
  [ "$target" = warden ] && defers0=$(grep -c -F ' == ' "$wd_mainlog" 2>/dev/null || true)
  say "deferred: $target gets $n messages; the sink answers '$DEFER_REPLY' to RCPT"
  t0=$EPOCHREALTIME
  generate "$target" "$n"
  t1=$EPOCHREALTIME
  deadline=$((SECONDS + DEFER_TIMEOUT))
  while :; do
    if [ "$target" = warden ]; then
      defers=$(($(grep -c -F ' == ' "$wd_mainlog" || true) - defers0))
      have=$(queue_size warden)
      ((have == n && defers >= n)) && break
    else
      have=$(find "$pf_spool/deferred" -type f | wc -l)
      ((have == n)) && [ -z "$(find "$pf_spool/incoming" "$pf_spool/active" "$pf_spool/maildrop" -type f -print -quit)" ] && break
    fi
    ((SECONDS < deadline)) || die "$target: after ${DEFER_TIMEOUT}s only $have of $n messages are queued and deferred"
    sleep 0.5
  done
  t2=$EPOCHREALTIME
  (($(sink_count) == 0)) || die "the deferring sink accepted $(sink_count) messages"
  if [ "$target" = warden ]; then
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$warden_java/status")
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$warden_java/status")
    pss=$(awk '/^Pss:/ { print $2 }' "/proc/$warden_java/smaps_rollup")
    say "warden: $n deferred; timing 'warden queue list'"
    if (cd "$repo" && ./warden --help 2>/dev/null) | grep -qE '^ +queue( |$)'; then
      list_what="warden queue list"
      list_s=$(timed "$OUT/warden-queue-list.txt" bash -c "cd '$repo' && exec ./warden queue list --config '$wd_dir/warden.yaml'")
    else
      list_what="ls spool/queue (no queue list yet)"
      list_s=$(timed "$OUT/warden-queue-list.txt" ls -f "$wd_queue")
    fi
    list_lines=$(wc -l <"$OUT/warden-queue-list.txt")
    say "warden: restarting on $n queued messages"
    stop_warden
    r0=$EPOCHREALTIME
    serve_warden
    restart_s=$(awk -v a="$r0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    sleep "$RESTART_SETTLE"
    rss2=$(awk '/^VmRSS:/ { print $2 }' "/proc/$warden_java/status")
    hwm2=$(awk '/^VmHWM:/ { print $2 }' "/proc/$warden_java/status")
    (($(queue_size warden) == n)) || die "warden: $(queue_size warden) messages queued after the restart, $n before"
  else
    read -r rss pss < <(tree_memory "$(tr -d ' ' <"$pf_spool/pid/master.pid")")
    hwm=-
    list_what="postqueue -p"
    list_s=$(timed "$OUT/postfix-queue-list.txt" postqueue -c "$pf_etc" -p)
    list_lines=$(wc -l <"$OUT/postfix-queue-list.txt")
    restart_s=- rss2=- hwm2=-
  fi
  printf '%s\t%d\t%.1f\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$n" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$(awk -v a="$t0" -v b="$t2" 'BEGIN { print b - a }')" \
    "$rss" "$pss" "$hwm" "$list_what" "$list_s" "$list_lines" "$restart_s" "$rss2/$hwm2" >>"$deferred"
}

# Runs a command with its output to a file; prints the wall time in seconds.
timed() { # output-file command...
  local out=$1 t0 t1
  shift
  t0=$EPOCHREALTIME
  "$@" >"$out" 2>&1 || die "'$*' failed: $(tail -n 5 "$out")"
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

# ---- report

report() {
  awk -F'\t' -v runs="$RUNS" "$awk_medians"'
    $1 == "run" { next }
    {
      if (!($2 in seen)) { seen[$2] = 1; order[++nt] = $2 }
      acc[$2] = acc[$2] " " $4; e2e[$2] = e2e[$2] " " $5; cpu[$2] = cpu[$2] " " $6
      got[$2] += $7; sent[$2] += $3; dups[$2] += $8; conns[$2] += $9
    }
    END {
      name["postfix"] = "Postfix"; name["warden"] = "Warden"
      printf "\nRelay: %s messages of %s body bytes over %s sessions per cell into the server, relayed to smtp-sink; FS=%s; median of %s run(s) (min-max)\n\n", N, SIZE, S, fsname, runs
      printf "%-8s %-22s %-22s %5s %18s %10s\n", "server", "accept msgs/s", "e2e msgs/s (at sink)", "cpu%", "at sink / sent", "msgs/conn"
      for (i = 1; i <= nt; i++) {
        t = order[i]
        printf "%-8s %-22s %-22s %5.0f %18s %10.1f\n", name[t], cell(acc[t]), cell(e2e[t]), median(cpu[t]), sprintf("%d / %d", got[t], sent[t]),
          conns[t] ? got[t] / conns[t] : 0
      }
      if (("warden" in seen) && ("postfix" in seen) && median(e2e["postfix"]) > 0)
        printf "\nWarden/Postfix e2e: %.2fx (Warden %.0f/s, Postfix %.0f/s); no message lost or twice at the sink (checked by Message-Id)\n",
          median(e2e["warden"]) / median(e2e["postfix"]), median(e2e["warden"]), median(e2e["postfix"])
    }' N="$MESSAGES" SIZE="$SIZE" S="$SESSIONS" fsname="$FS" "$results"
  [ "$(wc -l <"$deferred")" -gt 1 ] || return 0
  printf '\nDeferred queue: the sink answers "%s" to RCPT; memory once every message is deferred\n\n' "$DEFER_REPLY"
  awk -F'\t' '
    $1 == "target" { next }
    {
      name = ($1 == "warden") ? "Warden" : "Postfix"
      mem = ($1 == "warden") ? sprintf("%.0f / %.0f (HWM %.0f)", $5 / 1024, $6 / 1024, $7 / 1024) : sprintf("%.0f / %.0f", $5 / 1024, $6 / 1024)
      after = "-"
      if ($12 != "-/-") { split($12, r, "/"); after = sprintf("%.0f (HWM %.0f)", r[1] / 1024, r[2] / 1024) }
      printf "%-8s %8d %10.1f %10.1f  %-26s %-36s %8s %9d %10s %-18s\n", name, $2, $3, $4, mem, $8, $9, $10, $11, after
    }' "$deferred" | {
    printf '%-8s %8s %10s %10s  %-26s %-36s %8s %9s %10s %-18s\n' server messages "sent s" "queued s" "RSS / PSS MiB" \
      "listing command" "list s" "lines" "restart s" "RSS after MiB"
    cat
    printf '\nsent s: smtp-source time; queued s: until every message is in the queue and deferred. RSS/PSS: Warden'"'"'s JVM;\n'
    printf 'Postfix: master and all its processes (RSS counts shared pages once per process). list s: the command'"'"'s wall time,\n'
    printf 'a JVM start included for Warden. restart s: until the restarted Warden listens; RSS after: %s s later.\n' "$RESTART_SETTLE"
  }
}

# ---- main

[ "${1:-}" = -h ] || [ "${1:-}" = --help ] && usage
[ "$(id -u)" = 0 ] || die "run as root (it mounts a loop image and may install Postfix)"
mkdir -p "$OUT" "$pids"
reap_leftovers # first: a crashed run's servers would hold the ports checked next
check_prerequisites
load_start=$(cut -d' ' -f1 /proc/loadavg)
make_filesystem
printf 'run\ttarget\tmessages\taccept_per_s\te2e_per_s\tcpu_pct\tat_sink\ttwice\tsink_connections\n' >"$results"
printf 'target\tmessages\tsend_s\tqueued_s\trss_kib\tpss_kib\thwm_kib\tlist_command\tlist_s\tlist_lines\trestart_s\tafter_rss_hwm_kib\n' >"$deferred"
: >"$OUT/warden.log"

say "starting smtp-sink on 127.0.0.1:$SINK_PORT"
start_relay_sink
run=0
for t in $TARGETS $DEFER_TARGETS; do
  if [ "$t" = postfix ] && [ "$postfix_started" = 0 ]; then
    say "starting a private postfix instance on 127.0.0.1:$POSTFIX_PORT, relaying to the sink"
    start_postfix
  fi
done

for ((run = 1; run <= RUNS; run++)); do
  for t in $TARGETS; do
    if [ "$t" = warden ]; then
      say "run $run: starting warden on 127.0.0.1:$WARDEN_PORT (a fresh JVM each run)"
      start_warden
    fi
    if ((WARMUP > 0)); then
      say "run $run: $t warm-up, $WARMUP messages (not counted)"
      run_cell "$t" "$WARMUP" 0
    fi
    say "run $run: $t, $MESSAGES messages"
    run_cell "$t" "$MESSAGES" 1
    [ "$t" = warden ] && stop_warden
  done
done

if ((DEFER_MESSAGES > 0)); then
  stop_group sink "$sink_pid"
  say "restarting smtp-sink on 127.0.0.1:$SINK_PORT, answering 451 to RCPT"
  start_defer_sink
  for t in $DEFER_TARGETS; do
    [ "$t" = warden ] && { say "deferred: starting a fresh warden"; start_warden; }
    run_deferred "$t"
    [ "$t" = warden ] && stop_warden
  done
fi

report | tee "$OUT/report.txt"
load_end=$(cut -d' ' -f1 /proc/loadavg)
printf 'Load average (1 min) at start %s, at end %s on %s CPUs%s\n' "$load_start" "$load_end" "$(nproc)" \
  "$(awk -v a="$load_start" -v b="$load_end" -v c="$(nproc)" 'BEGIN { if (a > c || b > c) print ": other work competed for the CPUs; compare servers only within this run" }')" \
  | tee -a "$OUT/report.txt"
say "results: $results, $deferred; report: $OUT/report.txt; logs in $OUT"
