# bench/common.sh - shell shared by the benchmarks that set Warden beside Postfix
# (throughput.sh, bigmail.sh, relay.sh): sourced, never run. The sourcing script sets, before calling
# these: OUT, pids (a directory for PID files), BENCH_DIR, IMAGE, IMAGE_SIZE, FS (loop|tmpfs),
# KEEP_IMAGE, POSTFIX_PORT, RECIPIENT, here (bench/), pf_etc, pf_spool, and the flags
# mounted=0 postfix_started=0. POSTFIX_EXTRA (an array, may be empty) adds main.cf settings.
#
# Everything here stops only what it started (PID files, `postfix -c <our config> stop`) and
# touches only the image mounted at BENCH_DIR.

say() { printf '[%(%T)T] %s\n' -1 "$*" >&2; }
die() { printf '\n%s: FAILED: %s\n' "${0##*/}" "$*" >&2; exit 1; }

on_error() {
  local rc=$1 line=$2 cmd=$3
  die "line $line: '$cmd' exited with status $rc"
}

# ---- processes we start: remembered by PID so that cleanup (and the next run, after a crash)
# ---- stops exactly those and nothing else.

remember() { printf '%s\n' "$2" >"$pids/$1.pid"; }

# Stops the process group led by pid (we started it with setsid), TERM then KILL.
stop_group() {
  local name=$1 pid=$2 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || { rm -f "$pids/$name.pid"; return 0; }
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$pids/$name.pid"
}

stop_postfix() {
  [ -f "$pf_etc/main.cf" ] || return 0
  local master_pid i
  master_pid=$(cat "$pf_spool/pid/master.pid" 2>/dev/null | tr -d ' ' || true)
  postfix -c "$pf_etc" stop >/dev/null 2>&1 || true
  # postfix stop signals master and returns; the mount cannot go until its children are gone.
  for ((i = 0; i < 100; i++)); do
    [ -n "$master_pid" ] && kill -0 "$master_pid" 2>/dev/null || break
    sleep 0.1
  done
  postfix_started=0
}

unmount_bench() {
  local i
  for ((i = 0; i < 30; i++)); do
    mountpoint -q "$BENCH_DIR" || return 0
    umount "$BENCH_DIR" 2>/dev/null && return 0
    sleep 0.5
  done
  say "warning: could not unmount $BENCH_DIR (busy: $(fuser -m "$BENCH_DIR" 2>&1 | tr -s ' '))"
  return 1
}

# A run killed with SIGKILL leaves its processes and mount behind: reap them, but only if the
# PID still runs what we started (PIDs are reused).
reap_leftovers() {
  local f name pid
  for f in "$pids"/*.pid; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .pid) pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qE 'smtp-sink|warden|java|sample_memory'; then
      say "stopping leftover $name (pid $pid) from an earlier run"
      stop_group "$name" "$pid"
    fi
    rm -f "$f"
  done
  if mountpoint -q "$BENCH_DIR"; then
    { losetup -j "$IMAGE" 2>/dev/null | grep -q . ||
      [ "$(findmnt -n -o SOURCE "$BENCH_DIR")" = warden-bench ]; } \
      || die "$BENCH_DIR is mounted but not from $IMAGE: refusing to touch it (set BENCH_DIR)"
    say "unmounting leftover $BENCH_DIR"
    stop_postfix
    unmount_bench || die "leftover $BENCH_DIR is busy; stop what uses it (fuser -m $BENCH_DIR)"
  fi
}

# Installs Postfix (preseeded "Local only", non-interactive) if smtp-source or postfix is missing.
install_postfix() {
  if ! command -v smtp-source >/dev/null || ! command -v postfix >/dev/null; then
    say "installing postfix (Local only, loopback; it provides smtp-source and smtp-sink)"
    printf '%s\n' 'postfix postfix/main_mailer_type select Local only' \
      'postfix postfix/mailname string bench.test' | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >"$OUT/apt.log" 2>&1 \
      || { apt-get update -q >>"$OUT/apt.log" 2>&1 &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >>"$OUT/apt.log" 2>&1; } \
      || die "apt-get install postfix failed; see $OUT/apt.log"
  fi
}

build_smtp_pipe() {
  if [ ! -x "$OUT/smtp-pipe" ] || [ "$here/smtp-pipe.c" -nt "$OUT/smtp-pipe" ]; then
    say "building smtp-pipe"
    gcc -O2 -Wall -pthread -o "$OUT/smtp-pipe" "$here/smtp-pipe.c" -lm \
      || die "could not compile bench/smtp-pipe.c"
  fi
}

make_filesystem() {
  mkdir -p "$BENCH_DIR"
  if [ "$FS" = tmpfs ]; then
    say "mounting a tmpfs on $BENCH_DIR (FS=tmpfs: no disk, fsync is free)"
    mount -t tmpfs -o size=6g warden-bench "$BENCH_DIR" || die "mount -t tmpfs on $BENCH_DIR failed"
    mounted=1
    return 0
  fi
  say "making a journaled ext4 image ($IMAGE_SIZE sparse) at $IMAGE, mounted on $BENCH_DIR"
  mkdir -p "$BENCH_DIR" "$(dirname "$IMAGE")"
  rm -f "$IMAGE"
  truncate -s "$IMAGE_SIZE" "$IMAGE"
  mkfs.ext4 -q -F "$IMAGE" || die "mkfs.ext4 $IMAGE failed"
  mount -o loop "$IMAGE" "$BENCH_DIR" || die "mount -o loop $IMAGE $BENCH_DIR failed"
  mounted=1
  local dev
  dev=$(findmnt -n -o SOURCE "$BENCH_DIR")
  grep -q journal "/proc/fs/ext4/${dev#/dev/}/options" \
    || die "$BENCH_DIR ($dev) has no journal: fsync figures would not compare with the anchors"
}

wait_listening() { # name port pid timeout
  local name=$1 port=$2 pid=$3 deadline=$((SECONDS + $4))
  until [ -n "$(ss -Hltn "src 127.0.0.1:$port")" ]; do
    [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# A private Postfix instance: its own config directory, queue and data directory on the image,
# so the system's /etc/postfix is read but never changed. Configuration as perf-anchors.md §3.
start_postfix() {
  local vmail_uid vmail_gid
  getent group vmail >/dev/null || groupadd -r vmail
  id vmail >/dev/null 2>&1 || useradd -r -g vmail -M -d /nonexistent -s /usr/sbin/nologin vmail
  vmail_uid=$(id -u vmail) vmail_gid=$(id -g vmail)

  mkdir -p "$pf_etc" "$pf_spool" "$BENCH_DIR/postfix-data" "$BENCH_DIR/vhosts"
  chown "$vmail_uid:$vmail_gid" "$BENCH_DIR/vhosts"
  chown postfix "$BENCH_DIR/postfix-data"
  cp /usr/share/postfix/main.cf.debian "$pf_etc/main.cf"
  cp /usr/share/postfix/master.cf.dist "$pf_etc/master.cf"
  : >"$OUT/postfix.log"
  postconf -c "$pf_etc" -e \
    "compatibility_level = 3.6" \
    "queue_directory = $pf_spool" \
    "data_directory = $BENCH_DIR/postfix-data" \
    "myhostname = postfix.bench.test" \
    "mydomain = bench.test" \
    "myorigin = \$myhostname" \
    "mydestination = localhost" \
    "alias_maps =" "alias_database =" \
    "inet_interfaces = loopback-only" \
    "inet_protocols = ipv4" \
    "mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128" \
    "smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination" \
    "smtpd_client_event_limit_exceptions = \$mynetworks" \
    "maillog_file = $OUT/postfix.log" \
    "maillog_file_prefixes = /var, /dev/stdout, $OUT" \
    "virtual_mailbox_domains = bench.test" \
    "virtual_mailbox_base = $BENCH_DIR/vhosts" \
    "virtual_mailbox_maps = hash:$pf_etc/vmailbox" \
    "virtual_uid_maps = static:$vmail_uid" \
    "virtual_gid_maps = static:$vmail_gid" \
    "default_transport = error" "relay_transport = error" \
    ${POSTFIX_EXTRA[@]+"${POSTFIX_EXTRA[@]}"}
  postconf -c "$pf_etc" -M# smtp/inet
  postconf -c "$pf_etc" -Me "127.0.0.1:$POSTFIX_PORT/inet=127.0.0.1:$POSTFIX_PORT inet n - n - - smtpd"
  echo "$RECIPIENT bench.test/user/" >"$pf_etc/vmailbox" # trailing / = Maildir
  postmap "hash:$pf_etc/vmailbox"
  # Debian's init script copies resolv.conf, services, NSS libraries into the chroot; do the
  # same for this instance (postconf reads MAIL_CONFIG).
  if [ -x /usr/lib/postfix/configure-instance.sh ]; then
    MAIL_CONFIG=$pf_etc /usr/lib/postfix/configure-instance.sh - >>"$OUT/postfix.log" 2>&1
  fi
  postfix -c "$pf_etc" check >>"$OUT/postfix.log" 2>&1 || die "postfix check failed; see $OUT/postfix.log"
  postfix -c "$pf_etc" start >>"$OUT/postfix.log" 2>&1 || die "postfix start failed; see $OUT/postfix.log"
  postfix_started=1
  wait_listening postfix "$POSTFIX_PORT" "" 20 \
    || die "postfix did not listen on 127.0.0.1:$POSTFIX_PORT; see $OUT/postfix.log"
}

postfix_queue_empty() {
  [ -z "$(find "$pf_spool/maildrop" "$pf_spool/incoming" "$pf_spool/active" \
            "$pf_spool/deferred" -type f -print -quit 2>/dev/null)" ]
}

# smtp-sink on 127.0.0.1:$SINK_PORT (it stores nothing unless told to), with extra options;
# its output (with -c, the running counters) goes to $OUT/smtp-sink.log. Sets sink_pid.
start_sink() { # smtp-sink options...
  setsid smtp-sink -u nobody -m 1000 "$@" "127.0.0.1:$SINK_PORT" 1024 >"$OUT/smtp-sink.log" 2>&1 &
  sink_pid=$!
  remember sink "$sink_pid"
  wait_listening smtp-sink "$SINK_PORT" "$sink_pid" 10 \
    || die "smtp-sink did not listen on 127.0.0.1:$SINK_PORT; see $OUT/smtp-sink.log"
}

# Starts `./warden serve --config $wd_dir/warden.yaml` (after `config check`, which also builds
# the jar outside any timing and says exactly what is wrong with a generated config) in its own
# process group, and waits until it listens on WARDEN_PORT. Sets warden_pid (the launcher, leader
# of the group) and warden_java (the JVM). Words in the array warden_prefix (may be unset) go
# before ./warden, e.g. (env JAVA_TOOL_OPTIONS=...).
serve_warden() {
  [ -x "$repo/warden" ] || die "no ./warden launcher in $repo (merge main once 'warden serve' exists, or leave warden out of TARGETS)"
  (cd "$repo" && ./warden config check "$wd_dir/warden.yaml") >"$OUT/warden-config-check.log" 2>&1 \
    || die "./warden config check rejected the generated config:
$(cat "$OUT/warden-config-check.log")"
  # setsid without a fork (the subshell is no group leader): $! is the launcher's PID and
  # its process group, so stopping the group also stops a java child.
  (cd "$repo" && exec setsid ${warden_prefix[@]+"${warden_prefix[@]}"} ./warden serve --config "$wd_dir/warden.yaml" >>"$OUT/warden.log" 2>&1) &
  warden_pid=$!
  remember warden "$warden_pid"
  wait_listening warden "$WARDEN_PORT" "$warden_pid" "$WARDEN_START_TIMEOUT" \
    || die "warden did not listen on 127.0.0.1:$WARDEN_PORT within ${WARDEN_START_TIMEOUT}s; last lines of $OUT/warden.log:
$(tail -n 20 "$OUT/warden.log")"
  warden_java=$(find_java "$warden_pid") || warden_java=$warden_pid
}

cpu_ticks() { # prints "busy total" jiffies over all CPUs
  awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# "rss_kib pss_kib" summed over a process and its children (Postfix: master, smtpd, cleanup,
# qmgr...). RSS counts shared pages once per process; PSS shares them out.
tree_memory() { # root-pid
  local p
  # shellcheck disable=SC2046
  for p in "$1" $(pgrep -P "$1"); do cat "/proc/$p/status" "/proc/$p/smaps_rollup" 2>/dev/null; done |
    awk '/^VmRSS:/ { r += $2 } /^Pss:/ { p += $2 } END { print r + 0, p + 0 }'
}

# awk functions for reports: median of a space-separated list, and "median (min-max)".
# shellcheck disable=SC2016
awk_medians='
  function sortn(arr, n,    i, j, t) {
    for (i = 2; i <= n; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
  }
  function median(list,    arr, n) {
    n = split(list, arr, " "); if (n == 0 || list == "" || arr[1] == "-") return "-"
    sortn(arr, n)
    return (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
  }
  function cell(list,    arr, n, m) {
    m = median(list); if (m == "-") return "-"
    n = split(list, arr, " "); sortn(arr, n)
    return n > 1 ? sprintf("%.0f (%.0f-%.0f)", m, arr[1], arr[n]) : sprintf("%.0f", m)
  }
'

# The Java PID (for VmHWM): ./warden may exec java or run it as a child.
find_java() {
  local pid=$1 child depth
  for ((depth = 0; depth < 4; depth++)); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ] && { echo "$pid"; return 0; }
    child=$(pgrep -P "$pid" | head -1) || return 1
    pid=$child
  done
  return 1
}

# The Warden configuration both benchmarks run: one virtual domain bench.test whose "user" is a
# Maildir under $wd_dir/vhosts, relaying from loopback; extra YAML lines (e.g. limits) on stdin.
write_warden_config() { # generator-name
  mkdir -p "$wd_dir/data" "$wd_dir/virtual" "$wd_dir/vhosts"
  # One file per virtual domain, named after it: "local-part: address".
  echo "user: user@localhost" >"$wd_dir/virtual/bench.test"
  {
    cat <<EOF
# Generated by bench/$1 for one benchmark run.
hostname: warden.bench.test
listen:
  - "127.0.0.1:$WARDEN_PORT"
data_dir: $wd_dir/data
virtual_domains: $wd_dir/virtual
local_domains:
  - localhost
mailbox: $wd_dir/vhosts/{user}/Maildir
relay_networks:
  - 127.0.0.0/8
EOF
    cat
  } >"$wd_dir/warden.yaml"
}

count_files() { # entries in a directory, without . and ..
  local n
  n=$(ls -f "$1" 2>/dev/null | wc -l) || true
  echo $((n > 2 ? n - 2 : 0))
}
