#!/usr/bin/env bash
# Latency the DNSBL stage adds to an RCPT decision with a warm cache: 0, 1, 2 and 3 zones
# served by the loopback test DNS server.
# Usage: bench/dnsbl.sh [CLIENTS] [ROUNDS]
# Needs a JDK 21+ (found like ./warden does).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/find-jdk.sh
. scripts/find-jdk.sh
warden_find_jdk || exit 1

# Not offline (-o): on a fresh machine Maven fetches the dependency plugin once; cached after that.
mvn -q -B test-compile
mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
"$JAVA_HOME/bin/java" -Dlogback.configurationFile=bench/logback-quiet.xml -cp "$cp" warden.bench.DnsblBench "$@"
