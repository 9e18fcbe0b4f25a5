#!/usr/bin/env bash
# Builds the Flink peer of the Nexmark benchmark once: compiles bench/peers/flink and writes
# target/classpath.txt (the resolved Maven Central jars), which bench/workloads/nexmark.ts
# uses to launch `java -cp target/classes:<classpath> sluice.bench.NexmarkFlink`.
# Re-running is cheap: Maven skips up-to-date work and the jars stay in ~/.m2.
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -q -DskipTests compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
test -s target/classpath.txt
test -f target/classes/sluice/bench/NexmarkFlink.class
echo "flink peer built: $(pwd)/target"
