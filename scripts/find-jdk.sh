# Sourced by ./warden, .ci/run and bench scripts: sets JAVA_HOME to a JDK >= 21 or explains why not.
# A JDK (not a JRE) is needed because the launcher builds the jar with Maven on first use.

warden_java_major() { # prints the major version of the java binary $1, or nothing
  "$1" -version 2>&1 | sed -n 's/.* version "\([0-9][0-9]*\)\(\.[^"]*\)\{0,1\}".*/\1/p' | head -1
}

warden_find_jdk() {
  local candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  local onpath; onpath=$(command -v javac 2>/dev/null) && candidates+=("$(dirname "$(dirname "$(readlink -f "$onpath")")")")
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk*; do [ -d "$c" ] && candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major=$(warden_java_major "$c/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      export JAVA_HOME="$c"
      return 0
    fi
  done
  echo "warden: no JDK 21 or newer found (looked at \$JAVA_HOME, javac on PATH and /usr/lib/jvm)." >&2
  echo "warden: install one, e.g. 'apt-get install openjdk-21-jdk-headless' or Temurin 21+, or set JAVA_HOME to it." >&2
  return 1
}
