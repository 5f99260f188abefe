#!/usr/bin/env bash
# bigmail.sh - memory under very large messages: CLIENTS clients each send one SIZE-byte message
# at the same time, to Warden (heap capped with WARDEN_JAVA_OPTS) and to Postfix, measured in ONE
# run on the same journaled file system.
#
# A benchmark, not a test: it prints figures, and fails only when a step fails (a server does not
# start, a reply is not 250, a copy is missing or differs). Issue 7's goal: with 50 clients x 25 MB
# and -Xmx256m, every message gets 250, every copy is on disk, and Warden's peak RSS stays under
# 512 MiB. bench/README.md explains every figure.
#
# What it does, in order:
#   1. installs Postfix (preseeded, non-interactive) if it is missing; builds bench/smtp-pipe.c;
#   2. makes a fresh sparse image, mkfs.ext4, loop-mounts it at $BENCH_DIR (FS=tmpfs: memory);
#   3. per target: a fresh Maildir, a memory sampler on the server's processes, then smtp-pipe
#      with CLIENTS sessions of one message each (every reply checked), then waits until all
#      CLIENTS files are in Maildir/new and checks each one's body against the bytes sent;
#   4. prints the table: replies, copies, wall time, peak memory of each server;
#   5. stops everything it started, unmounts, deletes the image, on success and failure alike.
#
# Everything listens on 127.0.0.1 only. Needs root (mount, apt-get, a vmail user) and python3.
#
# Environment (defaults in brackets):
#   CLIENTS [50]          concurrent clients, one message each
#   SIZE [25000000]       body bytes per message (25 MB; under Warden's default 25M limit)
#   TARGETS ["postfix warden"]
#   WARDEN_JAVA_OPTS [-Xmx256m]   JVM options for Warden (the launcher's -Xmx1g -Xmn64m come first)
#   BENCH_DIR [/srv/warden-bigmail]  IMAGE [/var/tmp/warden-bigmail.img]  IMAGE_SIZE [8G]
#   FS [loop]             loop: journaled ext4 image; tmpfs: in memory
#   OUT [bench/out/bigmail]  logs, results.tsv, report.txt
#   POSTFIX_PORT [2545]  WARDEN_PORT [2546]
#   TIMEOUT [900]         seconds for one target's messages to be sent and delivered
#   WARDEN_START_TIMEOUT [180]  KEEP_IMAGE [0]
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=bench/common.sh
. "$here/common.sh"

CLIENTS=${CLIENTS:-50}
SIZE=${SIZE:-25000000}
TARGETS=${TARGETS:-postfix warden}
WARDEN_JAVA_OPTS=${WARDEN_JAVA_OPTS:--Xmx256m}
BENCH_DIR=${BENCH_DIR:-/srv/warden-bigmail}
IMAGE=${IMAGE:-/var/tmp/warden-bigmail.img}
IMAGE_SIZE=${IMAGE_SIZE:-8G}
FS=${FS:-loop}
OUT=${OUT:-$repo/bench/out/bigmail}
POSTFIX_PORT=${POSTFIX_PORT:-2545}
WARDEN_PORT=${WARDEN_PORT:-2546}
TIMEOUT=${TIMEOUT:-900}
WARDEN_START_TIMEOUT=${WARDEN_START_TIMEOUT:-180}
KEEP_IMAGE=${KEEP_IMAGE:-0}
export WARDEN_JAVA_OPTS

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
# Postfix's defaults refuse messages over 10 MB (message_size_limit) and Maildir files over
# 51.2 MB (virtual_mailbox_limit); everything else stays as in throughput.sh.
POSTFIX_EXTRA=("message_size_limit = $((SIZE + 1048576))" "virtual_mailbox_limit = $((2 * SIZE + 1048576))")

sink_pid= warden_pid= warden_java= sampler_pid= postfix_started=0 mounted=0

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
  [ -n "$sampler_pid" ] && stop_group sampler "$sampler_pid"
  [ -n "$warden_pid" ] && { say "stopping warden (pid $warden_pid)"; stop_group warden "$warden_pid"; }
  [ "$postfix_started" = 1 ] && { say "stopping postfix"; stop_postfix; }
  if [ "$mounted" = 1 ]; then
    unmount_bench && [ "$FS" = loop ] && [ "$KEEP_IMAGE" != 1 ] && rm -f "$IMAGE"
  fi
  exit "$rc"
}

check_prerequisites() {
  local t
  for t in $TARGETS; do
    case $t in postfix|warden) ;; *) die "unknown target '$t' in TARGETS (postfix warden)";; esac
  done
  case $FS in loop|tmpfs) ;; *) die "FS must be loop or tmpfs, not '$FS'";; esac
  [[ $CLIENTS =~ ^[1-9][0-9]*$ && $SIZE =~ ^[1-9][0-9]*$ ]] || die "CLIENTS and SIZE must be positive integers"
  install_postfix
  command -v gcc >/dev/null || die "gcc is needed to build bench/smtp-pipe.c (apt-get install gcc)"
  for t in mkfs.ext4 losetup mountpoint ss timeout python3 sha256sum; do
    command -v "$t" >/dev/null || die "$t not found"
  done
  for t in $TARGETS; do
    [ -z "$(ss -Hltn "sport = :$(port_of "$t")")" ] \
      || die "port 127.0.0.1:$(port_of "$t") for $t is in use; set ${t^^}_PORT to a free port"
  done
}

port_of() { case $1 in postfix) echo "$POSTFIX_PORT";; warden) echo "$WARDEN_PORT";; esac; }
maildir_of() { case $1 in postfix) echo "$pf_maildir";; warden) echo "$wd_maildir";; esac; }

start_warden() {
  write_warden_config bigmail.sh <<EOF
limits:
  message_size: $(((SIZE + 1048576) / 1024))K
EOF
  : >"$OUT/warden.log"
  serve_warden
}

# Samples, every 0.2 s, the sum of VmRSS and of Pss over a process and its children (Postfix's
# master and its smtpd, cleanup, virtual, qmgr...; Warden's JVM alone) and keeps the peaks in
# $OUT/<label>-peak: "rss_kib pss_kib". A sampled peak can miss a spike shorter than 0.2 s; for
# the JVM, VmHWM (the kernel's own high-water mark) is reported as well.
sample_memory() { # label root-pid
  local label=$1 root=$2 peak_rss=0 peak_pss=0 rss pss
  while kill -0 "$root" 2>/dev/null; do
    read -r rss pss < <(tree_memory "$root")
    ((rss > peak_rss)) && peak_rss=$rss
    ((pss > peak_pss)) && peak_pss=$pss
    printf '%s %s\n' "$peak_rss" "$peak_pss" >"$OUT/$label-peak.tmp"
    mv -f "$OUT/$label-peak.tmp" "$OUT/$label-peak"
    sleep 0.2
  done
}

start_sampler() { # label root-pid
  rm -f "$OUT/$1-peak"
  setsid bash -c "$(declare -f tree_memory sample_memory); OUT='$OUT'; sample_memory '$1' '$2'" &
  sampler_pid=$!
  remember sampler "$sampler_pid"
}

stop_sampler() {
  stop_group sampler "$sampler_pid"
  sampler_pid=
}

# The body smtp-pipe sends (its build_body), as a Maildir stores it (LF line ends): SHA-256.
expected_body_sha() {
  python3 - "$SIZE" <<'EOF'
import hashlib, sys
size = int(sys.argv[1])
abc = b"abcdefghijklmnopqrstuvwxyz" * 5
h = hashlib.sha256()
n = 0
last = b""
while n < size:
    line = min(size - n, 78)
    if line < 2:
        h.update(b"x"); last = b"x"; n += 1
        continue
    r = (n // 78) % 26
    text = abc[r:r + line - 2] + b"\n"
    h.update(text); last = text
    n += line
if n > 0 and not last.endswith(b"\n"):
    h.update(b"\n")
print(h.hexdigest())
EOF
}

# Checks every file in a Maildir: its body (after the first empty line) is the body sent.
verify_copies() { # target dir expected-sha -> prints the number verified
  local target=$1 dir=$2 want=$3 f off sha ok=0
  for f in "$dir"/*; do
    off=$(grep -a -b -m1 -x '' "$f" | cut -d: -f1) || die "$target: $f has no empty line after its header"
    sha=$(tail -c +$((off + 2)) "$f" | sha256sum | cut -d' ' -f1)
    [ "$sha" = "$want" ] || die "$target: the body of $f differs from what was sent (sha256 $sha, want $want)"
    ok=$((ok + 1))
  done
  echo "$ok"
}

run_target() { # target
  local target=$1 port dir out t0 t1 t2 have deadline root verified hwm peak
  port=$(port_of "$target") dir=$(maildir_of "$target")
  rm -rf "$dir"
  mkdir -p "$dir/new" "$dir/cur" "$dir/tmp"
  [ "$target" = postfix ] && chown -R vmail:vmail "$(dirname "$dir")"
  if [ "$target" = postfix ]; then
    root=$(tr -d ' ' <"$pf_spool/pid/master.pid")
  else
    root=$warden_java
  fi
  sync
  start_sampler "$target" "$root"
  say "$target: $CLIENTS clients x $SIZE bytes, all at once"
  t0=$EPOCHREALTIME
  out=$(timeout "$TIMEOUT" "$OUT/smtp-pipe" -s "$CLIENTS" -m "$CLIENTS" -l "$SIZE" -T "$TIMEOUT" \
          -f "$SENDER" -t "$RECIPIENT" -M "$HELO" "127.0.0.1:$port" 2>"$OUT/$target-generator.err") \
    || die "$target: smtp-pipe failed (status $?): not every message got 250:
$(head -n 20 "$OUT/$target-generator.err")
$out"
  t1=$EPOCHREALTIME
  deadline=$((SECONDS + TIMEOUT))
  while have=$(count_files "$dir/new"); ((have < CLIENTS)); do
    ((SECONDS < deadline)) || die "$target: only $have of $CLIENTS messages reached $dir/new after ${TIMEOUT}s"
    sleep 0.2
  done
  t2=$EPOCHREALTIME
  sleep 1 # the sampler's last look after the last copy
  stop_sampler
  ((have == CLIENTS)) || die "$target: $have files in $dir/new for $CLIENTS messages"
  say "$target: all $CLIENTS messages answered 250 and in Maildir/new; checking every copy"
  verified=$(verify_copies "$target" "$dir/new" "$want_sha")
  hwm=-
  [ "$target" = warden ] && hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$warden_java/status")
  read -r peak_rss peak_pss <"$OUT/$target-peak"
  printf '%s\t%s\t%s\t%s\t%s\t%.1f\t%.1f\t%s\t%s\t%s\n' "$target" "$CLIENTS" "$SIZE" \
    "$(sed -n 's/.*accepted=\([0-9]*\).*/\1/p' <<<"$out")" "$verified" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$(awk -v a="$t0" -v b="$t2" 'BEGIN { print b - a }')" \
    "$peak_rss" "$peak_pss" "$hwm" >>"$results"
}

report() {
  awk -F'\t' '
    $1 == "target" { next }
    {
      name = ($1 == "warden") ? "Warden" : "Postfix"
      hwm = ($10 == "-") ? "-" : sprintf("%.0f", $10 / 1024)
      printf "%-8s %3d x %-10s %4d/%-4d %4d/%-4d %8.1f %8.1f %14.0f %14.0f %10s\n", name, $2, $3, $4, $2, $5, $2, $6, $7, $8 / 1024, $9 / 1024, hwm
    }' "$results" | {
    printf '\n%s clients each sending one message of %s body bytes at once, FS=%s; Warden with WARDEN_JAVA_OPTS=%s\n\n' \
      "$CLIENTS" "$SIZE" "$FS" "$WARDEN_JAVA_OPTS"
    printf '%-8s %-16s %-9s %-9s %8s %8s %14s %14s %10s\n' server messages "250s" copies "send s" "e2e s" \
      "peak RSS MiB" "peak PSS MiB" "VmHWM MiB"
    cat
    printf '\npeak RSS/PSS: the sum over the server'"'"'s processes, sampled every 0.2 s (Postfix: master and all its children).\n'
    printf 'VmHWM: the JVM'"'"'s own high-water mark. copies: files in Maildir/new whose body is byte for byte what was sent.\n'
  }
}

# ---- main

[ "${1:-}" = -h ] || [ "${1:-}" = --help ] && usage
[ "$(id -u)" = 0 ] || die "run as root (it mounts a loop image and may install Postfix)"
mkdir -p "$OUT" "$pids"
reap_leftovers
check_prerequisites
load_start=$(cut -d' ' -f1 /proc/loadavg)
build_smtp_pipe
make_filesystem
printf 'target\tclients\tsize\taccepted\tverified\tsend_s\te2e_s\tpeak_rss_kib\tpeak_pss_kib\tvmhwm_kib\n' >"$results"
say "computing the expected body"
want_sha=$(expected_body_sha)

for t in $TARGETS; do
  case $t in
    postfix)
      say "starting a private postfix instance on 127.0.0.1:$POSTFIX_PORT"
      start_postfix
      run_target postfix
      stop_postfix
      ;;
    warden)
      say "starting warden on 127.0.0.1:$WARDEN_PORT (WARDEN_JAVA_OPTS=$WARDEN_JAVA_OPTS)"
      start_warden
      run_target warden
      grep -q OutOfMemoryError "$OUT/warden.log" && die "warden ran out of heap; see $OUT/warden.log"
      stop_group warden "$warden_pid"
      warden_pid= warden_java=
      ;;
  esac
done

report | tee "$OUT/report.txt"
load_end=$(cut -d' ' -f1 /proc/loadavg)
printf 'Load average (1 min) at start %s, at end %s on %s CPUs\n' "$load_start" "$load_end" "$(nproc)" | tee -a "$OUT/report.txt"
say "results: $results, report: $OUT/report.txt, logs in $OUT"
