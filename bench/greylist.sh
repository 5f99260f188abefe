#!/usr/bin/env bash
# Greylist decisions per second on SQLite and Redis: 100 000 distinct triplets, 16 callers.
# Usage: bench/greylist.sh [TRIPLETS] [CALLERS]
# Needs a JDK 21+ (found like ./warden does) and redis-server on the PATH (apt-get install -y redis-server).
set -euo pipefail
cd "$(dirname "$0")/.."
triplets=${1:-100000}
callers=${2:-16}
# shellcheck source=scripts/find-jdk.sh
. scripts/find-jdk.sh
warden_find_jdk || exit 1

# Not offline (-o): on a fresh machine Maven fetches the dependency plugin once; cached after that.
mvn -q -B test-compile
mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
work=$(mktemp -d)

command -v redis-server >/dev/null || { echo "redis-server is not installed: apt-get install -y redis-server" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --loglevel warning >"$work/redis.log" 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dlogback.configurationFile=bench/logback-quiet.xml -cp "$cp" warden.bench.GreylistBench)
"${java[@]}" sqlite "$work" "$triplets" "$callers"
"${java[@]}" redis "redis://127.0.0.1:$port/0" "$triplets" "$callers"
