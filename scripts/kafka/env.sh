# shellcheck shell=bash
# Shared settings for scripts/kafka/*.sh. Source it; do not run it.
# Every value can be overridden from the environment (see scripts/kafka/README.md).

KAFKA_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SLUICE_REPO_ROOT="${SLUICE_REPO_ROOT:-$(cd "$KAFKA_SCRIPTS_DIR/../.." && pwd)}"

# --- jars -------------------------------------------------------------------
SLUICE_KAFKA_VERSION="${SLUICE_KAFKA_VERSION:-4.2.2}"
# SLUICE_KAFKA_HOME: per-version cache folder; the jars live in $SLUICE_KAFKA_HOME/libs
SLUICE_KAFKA_HOME="${SLUICE_KAFKA_HOME:-$SLUICE_REPO_ROOT/.cache/kafka/$SLUICE_KAFKA_VERSION}"
SLUICE_KAFKA_LIBS="${SLUICE_KAFKA_LIBS:-$SLUICE_KAFKA_HOME/libs}"
SLUICE_KAFKA_MVN_TIMEOUT="${SLUICE_KAFKA_MVN_TIMEOUT:-600}"

# --- one broker (up.sh / down.sh) --------------------------------------------
SLUICE_KAFKA_HOST="${SLUICE_KAFKA_HOST:-127.0.0.1}"
SLUICE_KAFKA_PORT="${SLUICE_KAFKA_PORT:-9092}"
SLUICE_KAFKA_CONTROLLER_PORT="${SLUICE_KAFKA_CONTROLLER_PORT:-9093}"
# SLUICE_KAFKA_STATE: everything one broker writes (config, pid, data, logs)
SLUICE_KAFKA_STATE="${SLUICE_KAFKA_STATE:-$SLUICE_REPO_ROOT/.kafka}"
SLUICE_KAFKA_DATA="${SLUICE_KAFKA_DATA:-$SLUICE_KAFKA_STATE/data}"
SLUICE_KAFKA_LOGS="${SLUICE_KAFKA_LOGS:-$SLUICE_KAFKA_STATE/logs}"
SLUICE_KAFKA_PIDFILE="${SLUICE_KAFKA_PIDFILE:-$SLUICE_KAFKA_STATE/kafka.pid}"
SLUICE_KAFKA_CONFIG="${SLUICE_KAFKA_CONFIG:-$SLUICE_KAFKA_STATE/server.properties}"
SLUICE_KAFKA_HEAP="${SLUICE_KAFKA_HEAP:--Xms256m -Xmx512m}"
SLUICE_KAFKA_START_TIMEOUT="${SLUICE_KAFKA_START_TIMEOUT:-90}"
SLUICE_KAFKA_STOP_TIMEOUT="${SLUICE_KAFKA_STOP_TIMEOUT:-30}"
# SLUICE_KAFKA_TOOL_TIMEOUT (seconds): if set, tool.sh kills a tool that runs longer

kafka_log() { printf '[kafka] %s\n' "$*" >&2; }

kafka_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    kafka_log "java not found (need Java 17+ on PATH or JAVA_HOME)"
    return 1
  fi
}

# kafka_timeout SECS CMD… -> CMD with a time limit (GNU timeout / gtimeout if present, else no limit)
kafka_timeout() {
  local secs="$1"; shift
  if command -v timeout >/dev/null 2>&1; then timeout --kill-after=5 "$secs" "$@"
  elif command -v gtimeout >/dev/null 2>&1; then gtimeout --kill-after=5 "$secs" "$@"
  else "$@"; fi
}

# kafka_port_open HOST PORT  -> 0 if something accepts TCP connections there
kafka_port_open() {
  kafka_timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" >/dev/null 2>&1
}

kafka_libs_ready() {
  [ -f "$SLUICE_KAFKA_LIBS/.complete" ] && [ "$(cat "$SLUICE_KAFKA_LIBS/.complete" 2>/dev/null)" = "$SLUICE_KAFKA_VERSION" ]
}

# kafka_pid_alive PIDFILE -> prints the pid and returns 0 if that process runs kafka.Kafka
kafka_pid_alive() {
  local pidfile="$1" pid
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile" 2>/dev/null)"
  [ -n "$pid" ] || return 1
  [ -r "/proc/$pid/cmdline" ] || kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka'; then
    return 1
  fi
  printf '%s\n' "$pid"
}

# kafka_main_class TOOL -> main class for a Kafka CLI tool name (kafka-topics, kafka-topics.sh, topics…)
kafka_main_class() {
  local t="${1%.sh}"
  t="${t#kafka-}"
  case "$t" in
    topics) echo org.apache.kafka.tools.TopicCommand ;;
    consumer-groups) echo org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    share-groups) echo org.apache.kafka.tools.consumer.group.ShareGroupCommand ;;
    streams-groups) echo org.apache.kafka.tools.streams.StreamsGroupCommand ;;
    groups) echo org.apache.kafka.tools.GroupsCommand ;;
    console-producer) echo org.apache.kafka.tools.ConsoleProducer ;;
    console-consumer) echo org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    console-share-consumer) echo org.apache.kafka.tools.consumer.ConsoleShareConsumer ;;
    get-offsets) echo org.apache.kafka.tools.GetOffsetShell ;;
    configs) echo kafka.admin.ConfigCommand ;;
    storage) echo kafka.tools.StorageTool ;;
    dump-log) echo kafka.tools.DumpLogSegments ;;
    transactions) echo org.apache.kafka.tools.TransactionsCommand ;;
    metadata-quorum) echo org.apache.kafka.tools.MetadataQuorumCommand ;;
    features) echo org.apache.kafka.tools.FeatureCommand ;;
    cluster) echo org.apache.kafka.tools.ClusterTool ;;
    broker-api-versions) echo org.apache.kafka.tools.BrokerApiVersionsCommand ;;
    delete-records) echo org.apache.kafka.tools.DeleteRecordsCommand ;;
    reassign-partitions) echo org.apache.kafka.tools.reassign.ReassignPartitionsCommand ;;
    leader-election) echo org.apache.kafka.tools.LeaderElectionCommand ;;
    log-dirs) echo org.apache.kafka.tools.LogDirsCommand ;;
    acls) echo org.apache.kafka.tools.AclCommand ;;
    delegation-tokens) echo org.apache.kafka.tools.DelegationTokenCommand ;;
    client-metrics) echo org.apache.kafka.tools.ClientMetricsCommand ;;
    producer-perf-test) echo org.apache.kafka.tools.ProducerPerformance ;;
    consumer-perf-test) echo org.apache.kafka.tools.ConsumerPerformance ;;
    share-consumer-perf-test) echo org.apache.kafka.tools.ShareConsumerPerformance ;;
    e2e-latency) echo org.apache.kafka.tools.EndToEndLatency ;;
    verifiable-producer) echo org.apache.kafka.tools.VerifiableProducer ;;
    verifiable-consumer) echo org.apache.kafka.tools.VerifiableConsumer ;;
    streams-application-reset) echo org.apache.kafka.tools.StreamsResetter ;;
    jmx) echo org.apache.kafka.tools.JmxTool ;;
    server-start|server) echo kafka.Kafka ;;
    *)
      # a fully-qualified class name is passed through
      case "$1" in *.*[A-Z]*) [[ "$1" != *.sh ]] && { echo "$1"; return 0; } ;; esac
      return 1 ;;
  esac
}

kafka_tool_names() {
  echo "kafka-topics kafka-consumer-groups kafka-share-groups kafka-streams-groups kafka-groups"
  echo "kafka-console-producer kafka-console-consumer kafka-console-share-consumer kafka-get-offsets"
  echo "kafka-configs kafka-storage kafka-dump-log kafka-transactions kafka-metadata-quorum kafka-features"
  echo "kafka-cluster kafka-broker-api-versions kafka-delete-records kafka-reassign-partitions"
  echo "kafka-leader-election kafka-log-dirs kafka-acls kafka-delegation-tokens kafka-client-metrics"
  echo "kafka-producer-perf-test kafka-consumer-perf-test kafka-share-consumer-perf-test kafka-e2e-latency"
  echo "kafka-verifiable-producer kafka-verifiable-consumer kafka-streams-application-reset kafka-jmx"
  echo "(or any fully-qualified main class on the classpath)"
}
