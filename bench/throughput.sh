#!/usr/bin/env bash
# throughput.sh - how fast Warden receives mail and delivers it to Maildir, next to Postfix and
# smtp-sink, measured in ONE run on the same journaled file system.
#
# A benchmark, not a test: it prints figures, and fails only when a step fails (a server does
# not start, a reply is wrong, a message never reaches its Maildir). The method follows
# /work/shared/notes/perf-anchors.md (sections 3 and 6) so that the figures can be set beside
# the anchors measured on this machine kind; bench/README.md explains every figure.
#
# What it does, in order:
#   1. installs Postfix (preseeded, non-interactive) if smtp-source is missing; builds
#      bench/smtp-pipe.c, the pipelining load generator;
#   2. makes a fresh 8 GiB sparse image, mkfs.ext4 (journaled: the root file system has no
#      journal, which distorts fsync-heavy figures), loop-mounts it at $BENCH_DIR;
#   3. starts smtp-sink, a private Postfix instance (config, queue and Maildirs on the image,
#      virtual(8) to Maildir, loopback only) and `./warden serve --config <generated yaml>`;
#   4. per run and target: a warm-up that is not counted, then each load variant with a fresh
#      Maildir, timing accept (the generator's wall time) and end-to-end (until all N files are
#      in Maildir/new);
#   5. prints medians per cell, the Warden/Postfix ratio, Warden's peak RSS and the sink's rate;
#   6. stops everything it started (by PID, `postfix stop`), unmounts, deletes the image,
#      on success and on failure alike.
#
# Everything listens on 127.0.0.1 only. Needs root (mount, apt-get, a vmail user).
#
# Environment (defaults in brackets):
#   RUNS [1]            runs per cell; tables show median (min-max)
#   MESSAGES [20000]    messages per cell           WARMUP [10000]  uncounted, per target per run
#   SESSIONS [20]       concurrent sessions         SIZE [5120]     body bytes per message
#   TARGETS ["sink postfix warden"]                 VARIANTS ["src-d lock pipe"] (also: src-1)
#   BENCH_DIR [/srv/warden-bench]  IMAGE [/var/tmp/warden-bench.img]  IMAGE_SIZE [8G]
#   OUT [bench/out]     logs and results.tsv
#   SINK_PORT [2530]  POSTFIX_PORT [2525]  WARDEN_PORT [2526]
#   CELL_TIMEOUT [300]  DELIVERY_TIMEOUT [300]  WARDEN_START_TIMEOUT [180]  (seconds)
#   KEEP_IMAGE [0]      1 keeps the image file (it is unmounted anyway)
#   FS [loop]           loop: the journaled ext4 image; tmpfs: the same tree in memory, which
#                       takes the disk (fsync) out and leaves the CPU cost

#   PROFILE [ ]         jfr: record each Warden run with Java Flight Recorder into
#                       $OUT/warden-run<N>.jfr (then: jfr view hot-methods <file>)
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=bench/common.sh
. "$here/common.sh"

RUNS=${RUNS:-1}
MESSAGES=${MESSAGES:-20000}
WARMUP=${WARMUP:-10000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-5120}
TARGETS=${TARGETS:-sink postfix warden}
VARIANTS=${VARIANTS:-src-d lock pipe}
BENCH_DIR=${BENCH_DIR:-/srv/warden-bench}
IMAGE=${IMAGE:-/var/tmp/warden-bench.img}
IMAGE_SIZE=${IMAGE_SIZE:-8G}
OUT=${OUT:-$repo/bench/out}
SINK_PORT=${SINK_PORT:-2530}
POSTFIX_PORT=${POSTFIX_PORT:-2525}
WARDEN_PORT=${WARDEN_PORT:-2526}
CELL_TIMEOUT=${CELL_TIMEOUT:-300}
DELIVERY_TIMEOUT=${DELIVERY_TIMEOUT:-300}
WARDEN_START_TIMEOUT=${WARDEN_START_TIMEOUT:-180}
KEEP_IMAGE=${KEEP_IMAGE:-0}
FS=${FS:-loop}
PROFILE=${PROFILE:-}

SENDER=sender@bench.test
RECIPIENT=user@bench.test
HELO=loadgen.bench.test

pf_etc=$BENCH_DIR/postfix-etc
pf_spool=$BENCH_DIR/postfix-spool
pf_maildir=$BENCH_DIR/vhosts/bench.test/user
wd_dir=$BENCH_DIR/warden
wd_maildir=$wd_dir/vhosts/user/Maildir
pids=$OUT/pids
results=$OUT/results.tsv

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
  for t in $TARGETS; do
    case $t in sink|postfix|warden) ;; *) die "unknown target '$t' in TARGETS (sink postfix warden)";; esac
  done
  for t in $VARIANTS; do
    case $t in src-d|src-1|lock|pipe) ;; *) die "unknown variant '$t' in VARIANTS (src-d src-1 lock pipe)";; esac
  done
  case $FS in loop|tmpfs) ;; *) die "FS must be loop or tmpfs, not '$FS'";; esac
  [[ $RUNS =~ ^[1-9][0-9]*$ && $MESSAGES =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ ]] \
    || die "RUNS and MESSAGES must be positive integers, WARMUP a non-negative one"
  install_postfix
  command -v gcc >/dev/null || die "gcc is needed to build bench/smtp-pipe.c (apt-get install gcc)"
  for t in mkfs.ext4 losetup mountpoint ss timeout; do
    command -v "$t" >/dev/null || die "$t not found"
  done
  local p
  for t in $TARGETS; do
    p=$(port_of "$t")
    [ -z "$(ss -Hltn "sport = :$p")" ] \
      || die "port 127.0.0.1:$p for $t is in use; set ${t^^}_PORT to a free port"
  done
}

port_of() {
  case $1 in sink) echo "$SINK_PORT";; postfix) echo "$POSTFIX_PORT";; warden) echo "$WARDEN_PORT";; esac
}

maildir_of() {
  case $1 in sink) echo "";; postfix) echo "$pf_maildir";; warden) echo "$wd_maildir";; esac
}

start_warden() {
  write_warden_config throughput.sh </dev/null
  warden_prefix=()
  [ "$PROFILE" = jfr ] && warden_prefix=(env "JAVA_TOOL_OPTIONS=${JAVA_TOOL_OPTIONS:-} -XX:StartFlightRecording=settings=profile,jdk.FileForce#threshold=0ms,dumponexit=true,filename=$OUT/warden-run$run.jfr")
  serve_warden
}

stop_warden() {
  local kb
  kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$warden_java/status" 2>/dev/null || true)
  [ -n "$kb" ] && printf '%s\t%s\n' "$run" "$kb" >>"$OUT/warden-rss.tsv"
  stop_group warden "$warden_pid"
  warden_pid= warden_java=
}

# ---- measuring

fresh_maildir() { # target
  local dir
  dir=$(maildir_of "$1")
  [ -n "$dir" ] || return 0
  rm -rf "$dir"
  mkdir -p "$dir/new" "$dir/cur" "$dir/tmp"
  [ "$1" = postfix ] && chown -R vmail:vmail "$(dirname "$dir")"
  return 0
}

generator() { # variant port count -> command line in the array gen
  local variant=$1 port=$2 n=$3
  case $variant in
    src-d) gen=(smtp-source -d -s "$SESSIONS" -m "$n" -l "$SIZE" -f "$SENDER" -t "$RECIPIENT" -M "$HELO" "127.0.0.1:$port");;
    src-1) gen=(smtp-source -s "$SESSIONS" -m "$n" -l "$SIZE" -f "$SENDER" -t "$RECIPIENT" -M "$HELO" "127.0.0.1:$port");;
    lock) gen=("$OUT/smtp-pipe" -s "$SESSIONS" -m "$n" -l "$SIZE" -f "$SENDER" -t "$RECIPIENT" -M "$HELO" "127.0.0.1:$port");;
    pipe) gen=("$OUT/smtp-pipe" -P -s "$SESSIONS" -m "$n" -l "$SIZE" -f "$SENDER" -t "$RECIPIENT" -M "$HELO" "127.0.0.1:$port");;
  esac
}

# One cell: fresh Maildir, empty queue, send n messages, wait until n files are in Maildir/new.
# With record=1 appends a line to results.tsv.
run_cell() { # target variant n record
  local target=$1 variant=$2 n=$3 record=$4
  local port maildir out t0 t1 t2 c0 c1 have deadline first size
  port=$(port_of "$target") maildir=$(maildir_of "$target")
  if [ "$target" = postfix ]; then
    deadline=$((SECONDS + DELIVERY_TIMEOUT))
    until postfix_queue_empty; do
      ((SECONDS < deadline)) || die "postfix queue not empty after ${DELIVERY_TIMEOUT}s (see $OUT/postfix.log)"
      sleep 0.2
    done
  fi
  fresh_maildir "$target"
  generator "$variant" "$port" "$n"
  sync; sleep 0.5 # start every cell from the same state: no dirty pages of the last one
  c0=$(cpu_ticks)
  t0=$EPOCHREALTIME
  out=$(timeout "$CELL_TIMEOUT" "${gen[@]}" 2>"$OUT/generator.err") \
    || die "$target/$variant: '${gen[*]}' failed (status $?):
$(cat "$OUT/generator.err")
$out"
  t1=$EPOCHREALTIME
  t2=
  if [ -n "$maildir" ]; then
    deadline=$((SECONDS + DELIVERY_TIMEOUT))
    while have=$(count_files "$maildir/new"); ((have < n)); do
      ((SECONDS < deadline)) || die "$target/$variant: only $have of $n messages reached $maildir/new after ${DELIVERY_TIMEOUT}s"
      sleep 0.05
    done
    t2=$EPOCHREALTIME
    ((have == n)) || die "$target/$variant: $have files in $maildir/new for $n messages sent"
    first=$(find "$maildir/new" -type f -print -quit)
    size=$(stat -c %s "$first")
    ((size >= SIZE)) || die "$target/$variant: $first has $size bytes, fewer than the $SIZE sent"
  fi
  c1=$(cpu_ticks)
  [ "$record" = 1 ] || return 0
  # shellcheck disable=SC2086
  awk -v run="$run" -v target="$target" -v variant="$variant" -v n="$n" \
      -v t0="$t0" -v t1="$t1" -v t2="$t2" -v c0="$c0" -v c1="$c1" -v out="$out" '
    BEGIN {
      split(c0, a, " "); split(c1, b, " ")
      cpu = (b[2] > a[2]) ? 100 * (b[1] - a[1]) / (b[2] - a[2]) : 0
      accept = n / (t1 - t0)
      e2e = (t2 == "") ? "-" : sprintf("%.0f", n / (t2 - t0))
      p50 = "-"; p99 = "-"
      if (match(out, /p50_ms=[0-9.]+/)) p50 = substr(out, RSTART + 7, RLENGTH - 7)
      if (match(out, /p99_ms=[0-9.]+/)) p99 = substr(out, RSTART + 7, RLENGTH - 7)
      printf "%s\t%s\t%s\t%d\t%.0f\t%s\t%.0f\t%s\t%s\n", run, target, variant, n, accept, e2e, cpu, p50, p99
    }' | tee -a "$results" | awk -F'\t' '{ printf "    %-8s %-6s accept %6s/s  e2e %6s/s  cpu %3s%%  p50/p99 %s/%s ms\n", $2, $3, $5, $6, $7, $8, $9 }' >&2
}

# Rotates a list by k places, so that each run starts with a different variant.
rotate() { # k words...
  local k=$1; shift
  local -a a=("$@")
  local i n=${#a[@]}
  for ((i = 0; i < n; i++)); do printf '%s ' "${a[(i + k) % n]}"; done
}

# ---- report

report() {
  awk -F'\t' -v runs="$RUNS" -v rssfile="$OUT/warden-rss.tsv" "$awk_medians"'
    $1 == "run" { next }
    {
      k = $2 SUBSEP $3
      if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
      acc[k] = acc[k] " " $5; e2e[k] = e2e[k] " " $6; cpu[k] = cpu[k] " " $7
      p50[k] = p50[k] " " $8; p99[k] = p99[k] " " $9
    }
    END {
      name["sink"] = "smtp-sink"; name["postfix"] = "Postfix"; name["warden"] = "Warden"
      printf "\n%s messages of %s body bytes over %s sessions per cell, FS=%s; median of %s run(s) (min-max)\n\n", N, SIZE, S, fsname, runs
      printf "%-10s %-7s %-24s %-24s %5s %15s\n", "server", "variant", "accept msgs/s", "e2e msgs/s (Maildir)", "cpu%", "p50/p99 ms"
      for (i = 1; i <= nk; i++) {
        split(keys[i], kv, SUBSEP)
        lat = (median(p50[keys[i]]) == "-") ? "" : sprintf("%.2f/%.2f", median(p50[keys[i]]), median(p99[keys[i]]))
        printf "%-10s %-7s %-24s %-24s %5.0f %15s\n", name[kv[1]], kv[2], cell(acc[keys[i]]), cell(e2e[keys[i]]), median(cpu[keys[i]]), lat
      }
      printf "\n"
      for (i = 1; i <= nk; i++) {
        split(keys[i], kv, SUBSEP)
        if (kv[1] != "warden") continue
        pk = "postfix" SUBSEP kv[2]
        if (!(pk in seen)) continue
        w = median(e2e[keys[i]]); p = median(e2e[pk])
        if (w != "-" && p != "-" && p > 0)
          printf "Warden/Postfix e2e, %-6s %5.2fx   (Warden %.0f/s, Postfix %.0f/s)\n", kv[2], w / p, w, p
      }
      for (i = 1; i <= nk; i++) {
        split(keys[i], kv, SUBSEP)
        if (kv[1] == "sink") printf "smtp-sink (generator ceiling), %-6s %.0f msgs/s\n", kv[2], median(acc[keys[i]])
      }
      peak = 0; list = ""
      while ((getline line < rssfile) > 0) { split(line, r, "\t"); list = list " " sprintf("%.0f", r[2] / 1024); if (r[2] + 0 > peak) peak = r[2] + 0 }
      if (peak > 0) printf "Warden peak RSS (VmHWM at the end of each run): %.0f MiB max; per run, MiB:%s\n", peak / 1024, list
    }' N="$MESSAGES" SIZE="$SIZE" S="$SESSIONS" fsname="$FS" "$results"
}

# ---- main

[ "${1:-}" = -h ] || [ "${1:-}" = --help ] && usage
[ "$(id -u)" = 0 ] || die "run as root (it mounts a loop image and may install Postfix)"
mkdir -p "$OUT" "$pids"
reap_leftovers # first: a crashed run's servers would hold the ports checked next
check_prerequisites
load_start=$(cut -d' ' -f1 /proc/loadavg)
build_smtp_pipe
make_filesystem
printf 'run\ttarget\tvariant\tmessages\taccept_per_s\te2e_per_s\tcpu_pct\tp50_ms\tp99_ms\n' >"$results"
: >"$OUT/warden-rss.tsv"
: >"$OUT/warden.log"

run=0
for t in $TARGETS; do
  case $t in
    sink) start_sink;;
    postfix) say "starting a private postfix instance on 127.0.0.1:$POSTFIX_PORT"; start_postfix;;
  esac
done

for ((run = 1; run <= RUNS; run++)); do
  # shellcheck disable=SC2086
  order=$(rotate $((run - 1)) $VARIANTS)
  for t in $TARGETS; do
    if [ "$t" = warden ]; then
      say "run $run: starting warden on 127.0.0.1:$WARDEN_PORT (a fresh JVM each run)"
      start_warden
    fi
    if ((WARMUP > 0)); then
      say "run $run: $t warm-up, $WARMUP messages (not counted)"
      run_cell "$t" src-d "$WARMUP" 0
    fi
    for v in $order; do
      say "run $run: $t $v, $MESSAGES messages"
      run_cell "$t" "$v" "$MESSAGES" 1
    done
    [ "$t" = warden ] && stop_warden
  done
done

report | tee "$OUT/report.txt"
load_end=$(cut -d' ' -f1 /proc/loadavg)
printf 'Load average (1 min) at start %s, at end %s on %s CPUs%s\n' "$load_start" "$load_end" "$(nproc)" \
  "$(awk -v a="$load_start" -v b="$load_end" -v c="$(nproc)" 'BEGIN { if (a > c || b > c) print ": other work competed for the CPUs, so these figures do not compare with the anchors; compare servers only within this run" }')" \
  | tee -a "$OUT/report.txt"
say "results: $results, report: $OUT/report.txt, logs in $OUT"
