#!/usr/bin/env bash
# Run one of Apache Kafka's own CLI tools from the cached jars (no Kafka install needed).
#   bash scripts/kafka/tool.sh kafka-topics --bootstrap-server 127.0.0.1:9092 --list
#   bash scripts/kafka/tool.sh kafka-consumer-groups --bootstrap-server 127.0.0.1:9092 --describe --group g
#   echo hi | bash scripts/kafka/tool.sh kafka-console-producer --bootstrap-server 127.0.0.1:9092 --topic t
#   bash scripts/kafka/tool.sh --list          # known tool names
# The ".sh" suffix and the "kafka-" prefix are optional; a fully-qualified main class also works.
# Env: SLUICE_KAFKA_TOOL_TIMEOUT=<s> kills the tool after that many seconds (exit 124);
#      SLUICE_KAFKA_TOOL_OPTS replaces the JVM options.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if [ $# -lt 1 ] || [ "$1" = "--list" ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  echo "usage: tool.sh <tool> [args…]   tools:" >&2
  kafka_tool_names | sed 's/^/  /' >&2
  [ $# -ge 1 ] && [ "$1" = "--list" ] && exit 0
  exit 2
fi

tool="$1"; shift
if ! class="$(kafka_main_class "$tool")"; then
  kafka_log "unknown tool '$tool'; try: tool.sh --list"
  exit 2
fi

bash "$KAFKA_SCRIPTS_DIR/fetch.sh" --quiet
java="$(kafka_java)"

# Short-lived CLI JVMs: C1 only + serial GC start noticeably faster on small machines.
# shellcheck disable=SC2206
opts=(${SLUICE_KAFKA_TOOL_OPTS:--Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true})
cmd=("$java" "${opts[@]}" "-Dlog4j2.configurationFile=$KAFKA_SCRIPTS_DIR/tools-log4j2.properties" -cp "$SLUICE_KAFKA_LIBS/*" "$class" "$@")

if [ -n "${SLUICE_KAFKA_TOOL_TIMEOUT:-}" ]; then
  kafka_timeout "$SLUICE_KAFKA_TOOL_TIMEOUT" "${cmd[@]}"; exit $?
fi
exec "${cmd[@]}"
