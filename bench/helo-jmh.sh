#!/usr/bin/env bash
# HELO verdicts per second through the real policy engine, on one thread (JMH).
# Usage: bench/helo-jmh.sh [extra JMH options, e.g. -p dns=off or -prof gc]
# Defaults: 3 warmups x 2 s, 5 iterations x 2 s, 1 fork, 1 thread; both dns=off and dns=warm-cache.
# Source: src/test/java/warden/bench/HeloVerdictBench.java (see its Javadoc for what is measured).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/find-jdk.sh
. scripts/find-jdk.sh
warden_find_jdk || exit 1
command -v mvn >/dev/null || { echo "helo-jmh: Maven (mvn) is needed: apt-get install maven" >&2; exit 1; }

# Not offline (-o): on a fresh machine Maven fetches JMH and the dependency plugin once.
mvn -q -B test-compile
mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
out=target/helo-jmh.json

"$JAVA_HOME/bin/java" -Dlogback.configurationFile=bench/logback-quiet.xml -cp "$cp" org.openjdk.jmh.Main \
    'warden.bench.HeloVerdictBench' -wi 3 -w 2s -i 5 -r 2s -f 1 -t 1 -rf json -rff "$out" "$@"

echo
echo "HELO verdicts per second on one thread (target: 1 000 000 with dns=off):"
python3 - "$out" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1])):
    m = r["primaryMetric"]
    params = ",".join(f"{k}={v}" for k, v in r.get("params", {}).items())
    err = m["scoreError"] if m["scoreError"] == m["scoreError"] else 0.0  # NaN with one iteration
    print(f"  {params:20} {m['score']:>12,.0f} ops/s  (+- {err:,.0f}, 99.9% CI)")
EOF
