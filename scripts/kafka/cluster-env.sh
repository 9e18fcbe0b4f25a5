# shellcheck shell=bash
# Settings for the 3-node KRaft cluster (cluster-up.sh / cluster-down.sh). Source it.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
SLUICE_KAFKA_CLUSTER_STATE="${SLUICE_KAFKA_CLUSTER_STATE:-$SLUICE_REPO_ROOT/.kafka/cluster}"
# node N (1..3) listens for clients on BASE+N-1 and for the controller quorum on CONTROLLER_BASE+N-1
SLUICE_KAFKA_CLUSTER_PORT_BASE="${SLUICE_KAFKA_CLUSTER_PORT_BASE:-19092}"
SLUICE_KAFKA_CLUSTER_CONTROLLER_BASE="${SLUICE_KAFKA_CLUSTER_CONTROLLER_BASE:-19192}"
SLUICE_KAFKA_CLUSTER_HEAP="${SLUICE_KAFKA_CLUSTER_HEAP:--Xms192m -Xmx384m}"
SLUICE_KAFKA_CLUSTER_NODES=(1 2 3)
# fast failure detection for failover drills: a killed broker is fenced after ~3 s (default 9 s)
SLUICE_KAFKA_CLUSTER_EXTRA_CONFIG="${SLUICE_KAFKA_CLUSTER_EXTRA_CONFIG:-broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
replica.lag.time.max.ms=5000}"

cluster_port() { echo $(( SLUICE_KAFKA_CLUSTER_PORT_BASE + $1 - 1 )); }
cluster_cport() { echo $(( SLUICE_KAFKA_CLUSTER_CONTROLLER_BASE + $1 - 1 )); }
cluster_bootstrap() {
  local n out=""
  for n in "${SLUICE_KAFKA_CLUSTER_NODES[@]}"; do out="${out:+$out,}$SLUICE_KAFKA_HOST:$(cluster_port "$n")"; done
  echo "$out"
}
cluster_voters() {
  local n out=""
  for n in "${SLUICE_KAFKA_CLUSTER_NODES[@]}"; do out="${out:+$out,}$n@$SLUICE_KAFKA_HOST:$(cluster_cport "$n")"; done
  echo "$out"
}
# cluster_node_env N -> runs the rest of the command line with node N's SLUICE_KAFKA_* env
cluster_node_env() {
  local n="$1"; shift
  SLUICE_KAFKA_NODE_ID="$n" \
  SLUICE_KAFKA_PORT="$(cluster_port "$n")" \
  SLUICE_KAFKA_CONTROLLER_PORT="$(cluster_cport "$n")" \
  SLUICE_KAFKA_VOTERS="$(cluster_voters)" \
  SLUICE_KAFKA_RF=3 \
  SLUICE_KAFKA_EXTRA_CONFIG="$SLUICE_KAFKA_CLUSTER_EXTRA_CONFIG" \
  SLUICE_KAFKA_HEAP="$SLUICE_KAFKA_CLUSTER_HEAP" \
  SLUICE_KAFKA_STATE="$SLUICE_KAFKA_CLUSTER_STATE/node-$n" \
  SLUICE_KAFKA_DATA="$SLUICE_KAFKA_CLUSTER_STATE/node-$n/data" \
  SLUICE_KAFKA_LOGS="$SLUICE_KAFKA_CLUSTER_STATE/node-$n/logs" \
  SLUICE_KAFKA_PIDFILE="$SLUICE_KAFKA_CLUSTER_STATE/node-$n/kafka.pid" \
  SLUICE_KAFKA_CONFIG="$SLUICE_KAFKA_CLUSTER_STATE/node-$n/server.properties" \
    "$@"
}
