#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, for failover tests.
#
#   scripts/rabbitmq-cluster.sh [--rabbitmq4] start   start nodes 1-3 with scripts/rabbitmq.sh (own
#                                   node names and AMQP ports; one epmd port and one cookie), join 2
#                                   and 3 to 1 with rabbitmqctl join_cluster, print the cluster URL
#   scripts/rabbitmq-cluster.sh stop          stop every node and drop the data
#   scripts/rabbitmq-cluster.sh kill N        SIGKILL node N (1-3): its whole process group, no
#                                   clean shutdown (what a crashed machine looks like to clients)
#   scripts/rabbitmq-cluster.sh url           amqp://guest:guest@127.0.0.1:P1,guest:guest@...:P2,.../
#   scripts/rabbitmq-cluster.sh port N        AMQP port of node N
#   scripts/rabbitmq-cluster.sh status        rabbitmqctl cluster_status, as node 1 sees it
#   scripts/rabbitmq-cluster.sh ctl N ARGS... rabbitmqctl against node N
#
# --rabbitmq4 runs the nodes from the Debian trixie root (RabbitMQ 4, see rabbitmq.sh), configured
# as RabbitMQ 4.3 ships: transient non-exclusive queues denied, and Khepri as the metadata store
# (4.2's default for new deployments; 4.0.5 needs the khepri_db feature flag enabled on node 1
# before the joins, see docs/rabbitmq-tls-and-failover.md). Without it, this system's rabbitmq-server. Everything lives under .tmp/rabbitmq-cluster (or
# $OSLO_NODE_RABBITMQ_CLUSTER_DIR): nodeN/ is each node's rabbitmq.sh folder.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FLAVOUR=()
if [[ "${1:-}" == "--rabbitmq4" ]]; then FLAVOUR=(--rabbitmq4); shift; fi
BASE="${OSLO_NODE_RABBITMQ_CLUSTER_DIR:-$SCRIPT_DIR/../.tmp/rabbitmq-cluster}"
mkdir -p "$BASE"
BASE=$(cd "$BASE" && pwd)
NODES=(1 2 3)

die() { echo "rabbitmq-cluster.sh: $*" >&2; exit 1; }

# scripts/rabbitmq.sh against node N's folder.
node_sh() {
  local n=$1; shift
  OSLO_NODE_RABBITMQ_DIR="$BASE/node$n" bash "$SCRIPT_DIR/rabbitmq.sh" "$@"
}

check_node() { [[ "${1:-}" =~ ^[123]$ ]] || die "node must be 1, 2 or 3"; }

port_of() { check_node "$1"; local url; url=$(cat "$BASE/node$1/url" 2>/dev/null) || die "node $1 is not started"; url=${url%/}; echo "${url##*:}"; }

cluster_url() {
  local n parts=()
  for n in "${NODES[@]}"; do parts+=("guest:guest@127.0.0.1:$(port_of "$n")"); done
  (IFS=,; echo "amqp://${parts[*]}/")
}

start() {
  stop_all
  local epmd_port n pids=()
  epmd_port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$BASE/cookie"
  chmod 400 "$BASE/cookie"
  echo "$epmd_port" >"$BASE/epmd_port"
  # An epmd of the cluster's own, owned by no node: killing a node must not take the name
  # service of the others with it.
  ERL_EPMD_ADDRESS=127.0.0.1 epmd -port "$epmd_port" -daemon
  for n in "${NODES[@]}"; do
    OSLO_NODE_RABBITMQ_EPMD_PORT=$epmd_port OSLO_NODE_RABBITMQ_COOKIE_FILE="$BASE/cookie" \
      node_sh "$n" "${FLAVOUR[@]}" start >"$BASE/start$n.log" 2>&1 &
    pids+=($!)
  done
  local failed=0
  for n in "${NODES[@]}"; do wait "${pids[$((n - 1))]}" || { failed=1; tail -n 20 "$BASE/start$n.log" >&2; }; done
  (( failed == 0 )) || { stop_all; die "a node did not start"; }
  local first; first=$(cat "$BASE/node1/node")
  # On Mnesia (4.0's default) a node that denies transient non-exclusive queues fails start_app
  # after join_cluster: its boot asks Mnesia whether such queues exist before the joined
  # node has the rabbit_queue table (no_exists), takes the error as "in use" and stops with
  # failed_to_deny_deprecated_features. Khepri answers from its own store; the joining nodes
  # take it over from node 1.
  if [[ ${#FLAVOUR[@]} -gt 0 ]]; then
    node_sh 1 ctl enable_feature_flag --opt-in khepri_db >"$BASE/khepri.log" 2>&1 \
      || { tail -n 20 "$BASE/khepri.log" >&2; stop_all; die "could not enable khepri_db on $first"; }
  fi
  pids=()
  for n in 2 3; do
    join "$n" "$first" >"$BASE/join$n.log" 2>&1 &
    pids+=($!)
  done
  for n in 2 3; do wait "${pids[$((n - 2))]}" || { failed=1; tail -n 20 "$BASE/join$n.log" >&2; }; done
  (( failed == 0 )) || { stop_all; die "a node could not join $first"; }
  cluster_url | tee "$BASE/url"
}

# Node N leaves its own one-node cluster and joins FIRST's.
join() {
  node_sh "$1" ctl stop_app
  node_sh "$1" ctl join_cluster "$2"
  node_sh "$1" ctl start_app
  node_sh "$1" ctl await_startup --timeout 50
}

stop_all() {
  local n pids=()
  for n in "${NODES[@]}"; do
    if [[ -d "$BASE/node$n" ]]; then node_sh "$n" stop & pids+=($!); fi
  done
  for pid in "${pids[@]}"; do wait "$pid" || true; done
  if [[ -f "$BASE/epmd_port" ]]; then
    epmd -port "$(cat "$BASE/epmd_port")" -kill >/dev/null 2>&1 || true
    rm -f "$BASE/epmd_port"
  fi
  rm -f "$BASE/url"
}

kill_node() {
  check_node "$1"
  local pid; pid=$(cat "$BASE/node$1/server.pid" 2>/dev/null) || die "node $1 is not started"
  # setsid made the broker's wrapper a process-group leader: the group is the node.
  kill -KILL -- "-$pid"
}

case "${1:-}" in
  start) start ;;
  stop) stop_all ;;
  kill) kill_node "${2:-}" ;;
  url) [[ -f "$BASE/url" ]] && cat "$BASE/url" || die "no cluster started" ;;
  port) port_of "${2:-}" ;;
  status) node_sh 1 ctl cluster_status ;;
  ctl) check_node "${2:-}"; n=$2; shift 2; node_sh "$n" ctl "$@" ;;
  *) echo "usage: $0 [--rabbitmq4] start|stop|kill N|url|port N|status|ctl N ARGS" >&2; exit 2 ;;
esac
