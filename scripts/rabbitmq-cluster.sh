#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, for failover tests.
#
#   scripts/rabbitmq-cluster.sh [--rabbitmq4] start   start nodes 1-3 with scripts/rabbitmq.sh (own
#                                   node names and AMQP ports; one epmd port and one cookie), join 2
#                                   then 3 to 1 with rabbitmqctl join_cluster, print the cluster URL.
#                                   A node that fails to start or join is retried (three attempts,
#                                   every step bounded); a start that still fails keeps the logs
#                                   (see `logs`) and says which step failed
#   scripts/rabbitmq-cluster.sh stop          stop every node and drop the data
#   scripts/rabbitmq-cluster.sh kill N        SIGKILL node N (1-3): its whole process group, no
#                                   clean shutdown (what a crashed machine looks like to clients)
#   scripts/rabbitmq-cluster.sh url           amqp://guest:guest@127.0.0.1:P1,guest:guest@...:P2,.../
#   scripts/rabbitmq-cluster.sh port N        AMQP port of node N
#   scripts/rabbitmq-cluster.sh status        rabbitmqctl cluster_status, as node 1 sees it
#   scripts/rabbitmq-cluster.sh ctl N ARGS... rabbitmqctl against node N
#   scripts/rabbitmq-cluster.sh logs [DEST]   copy every node's logs (broker log, startup output,
#                                   start/join output) to DEST (default $BASE/logs) and print their
#                                   tails on stderr: `stop` drops the node folders, logs included.
#                                   A failed start does the same, into $OSLO_NODE_RABBITMQ_CLUSTER_LOGS
#                                   if set (a folder the caller keeps)
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
# A start that went wrong: keep and show the logs (in $BASE/logs), stop what runs, say why.
fail() { save_logs; stop_all; die "$*"; }

# scripts/rabbitmq.sh against node N's folder.
node_sh() {
  local n=$1; shift
  OSLO_NODE_RABBITMQ_DIR="$BASE/node$n" bash "$SCRIPT_DIR/rabbitmq.sh" "$@"
}

# node_sh under `timeout SECS`: a rabbitmqctl that hangs on a busy node becomes a clear failure.
node_sh_bounded() {
  local secs=$1 n=$2; shift 2
  OSLO_NODE_RABBITMQ_DIR="$BASE/node$n" timeout "$secs" bash "$SCRIPT_DIR/rabbitmq.sh" "$@"
}

check_node() { [[ "${1:-}" =~ ^[123]$ ]] || die "node must be 1, 2 or 3"; }

port_of() { check_node "$1"; local url; url=$(cat "$BASE/node$1/url" 2>/dev/null) || die "node $1 is not started"; url=${url%/}; echo "${url##*:}"; }

cluster_url() {
  local n parts=()
  for n in "${NODES[@]}"; do parts+=("guest:guest@127.0.0.1:$(port_of "$n")"); done
  (IFS=,; echo "amqp://${parts[*]}/")
}

# A free TCP port on 127.0.0.1 (the kernel picks it; another process may take it before we bind it).
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# The cluster's own epmd, owned by no node: killing a node must not take the name service of
# the others with it. The port is checked to answer (another process may have taken it).
start_epmd() {
  local attempt epmd_port
  for attempt in 1 2 3; do
    epmd_port=$(free_port)
    ERL_EPMD_ADDRESS=127.0.0.1 epmd -port "$epmd_port" -daemon
    local i
    for i in $(seq 1 20); do
      if epmd -port "$epmd_port" -names >/dev/null 2>&1; then echo "$epmd_port" >"$BASE/epmd_port"; return 0; fi
      sleep 0.25
    done
    epmd -port "$epmd_port" -kill >/dev/null 2>&1 || true
    echo "rabbitmq-cluster.sh: epmd did not answer on port $epmd_port (attempt $attempt)" >&2
  done
  return 1
}

# Start node N, three times at most: its ports are picked free and bound seconds later, so on a
# busy machine another process can take one meanwhile (the node then fails at boot); each
# attempt has fresh ports. rabbitmq.sh bounds one attempt (90 s to answer AMQP).
start_node() {
  local n=$1 attempt
  for attempt in 1 2 3; do
    if OSLO_NODE_RABBITMQ_EPMD_PORT=$(cat "$BASE/epmd_port") OSLO_NODE_RABBITMQ_COOKIE_FILE="$BASE/cookie" \
      node_sh "$n" "${FLAVOUR[@]}" start; then return 0; fi
    echo "rabbitmq-cluster.sh: node $n did not start (attempt $attempt)" >&2
    # A failed start drops the node's folder, its log too: keep a copy for the report.
    cp "$BASE/node$n/log/startup.log" "$BASE/node$n/log/startup-attempt$attempt.log" 2>/dev/null || true
  done
  return 1
}

start() {
  stop_all
  rm -f "$BASE"/start?.log "$BASE"/join?.log "$BASE/khepri.log" "$BASE/online.log" "$BASE"/node?/log/startup-attempt?.log
  local n pids=()
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$BASE/cookie"
  chmod 400 "$BASE/cookie"
  start_epmd || fail "could not start the cluster's epmd"
  for n in "${NODES[@]}"; do
    start_node "$n" >"$BASE/start$n.log" 2>&1 &
    pids+=($!)
  done
  local failed=0
  for n in "${NODES[@]}"; do wait "${pids[$((n - 1))]}" || failed=1; done
  (( failed == 0 )) || fail "a node did not start (three attempts each; see start1.log to start3.log)"
  echo "rabbitmq-cluster.sh: 3 nodes up after ${SECONDS} s" >&2
  local first; first=$(cat "$BASE/node1/node")
  # On Mnesia (4.0's default) a node that denies transient non-exclusive queues fails start_app
  # after join_cluster: its boot asks Mnesia whether such queues exist before the joined
  # node has the rabbit_queue table (no_exists), takes the error as "in use" and stops with
  # failed_to_deny_deprecated_features. Khepri answers from its own store; the joining nodes
  # take it over from node 1.
  if [[ ${#FLAVOUR[@]} -gt 0 ]]; then
    node_sh 1 ctl enable_feature_flag --opt-in khepri_db >"$BASE/khepri.log" 2>&1 \
      || fail "could not enable khepri_db on $first"
  fi
  # One at a time: Khepri (Raft) changes the membership one node at a time ("A single node can
  # be added or removed at a time", rabbitmq.com/docs/metadata-store/clustering); a join made
  # while the other one is in progress can be refused.
  for n in 2 3; do
    join "$n" "$first" >"$BASE/join$n.log" 2>&1 || { failed=1; break; }
  done
  (( failed == 0 )) || fail "a node could not join $first"
  # Ready only when node 1 sees all three running: a client's quorum queue then gets its three
  # members at once, not a leader on a cluster still forming. `timeout 90` bounds the wait.
  node_sh_bounded 90 1 ctl await_online_nodes 3 --timeout 60000 >"$BASE/online.log" 2>&1 \
    || fail "node 1 did not see the three nodes online within 90 s"
  # Retries that succeeded, for the caller's record (their output went to the step's log).
  grep -h "(attempt [0-9])" "$BASE"/start?.log "$BASE"/join?.log >&2 || true
  echo "rabbitmq-cluster.sh: nodes 2 and 3 joined $first after ${SECONDS} s" >&2
  cluster_url | tee "$BASE/url"
}

# Node N leaves its own one-node cluster and joins FIRST's. A join or the joined node's boot can
# fail when node 1 answers slowly on a loaded machine: the whole step (join_cluster, start_app,
# await_startup) is retried after stop_app and reset, three times, each rabbitmqctl call bounded.
join() {
  local n=$1 first=$2 attempt
  node_sh_bounded 120 "$n" ctl stop_app || return 1
  for attempt in 1 2 3; do
    if node_sh_bounded 120 "$n" ctl join_cluster "$first" && node_sh_bounded 180 "$n" ctl start_app \
      && node_sh_bounded 70 "$n" ctl await_startup --timeout 60; then
      return 0
    fi
    (( attempt < 3 )) || break
    echo "rabbitmq-cluster.sh: node $n could not join $first (attempt $attempt); reset, retry in $((attempt * 3)) s" >&2
    sleep $((attempt * 3))
    node_sh_bounded 120 "$n" ctl stop_app || true
    node_sh_bounded 120 "$n" ctl reset || true
  done
  echo "rabbitmq-cluster.sh: node $n could not join $first in 3 attempts" >&2
  return 1
}

# Node N's folder as this host sees it (inside the root for --rabbitmq4), from its env file.
host_dir_of() { [[ -f "$BASE/node$1/env" ]] && (source "$BASE/node$1/env" && echo "$HOST_DIR"); }

save_logs() {
  local dest=${1:-${OSLO_NODE_RABBITMQ_CLUSTER_LOGS:-$BASE/logs}} n dir
  mkdir -p "$dest"
  for n in "${NODES[@]}"; do
    mkdir -p "$dest/node$n"
    if dir=$(host_dir_of "$n"); then cp -r "$dir/log/." "$dest/node$n/" 2>/dev/null || true; fi
    cp "$BASE/node$n/log"/startup*.log "$dest/node$n/" 2>/dev/null || true
  done
  cp "$BASE"/start?.log "$BASE"/join?.log "$BASE"/khepri.log "$BASE"/online.log "$dest/" 2>/dev/null || true
  local file
  for file in "$dest"/*.log "$dest"/node?/*.log; do
    [[ -s $file ]] || continue
    echo "==> ${file#"$dest"/} (last 40 lines)" >&2
    tail -n 40 "$file" >&2
  done
  echo "rabbitmq-cluster.sh: node logs kept in $dest" >&2
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
  logs) save_logs "${2:-}" ;;
  *) echo "usage: $0 [--rabbitmq4] start|stop|kill N|url|port N|status|ctl N ARGS|logs [DEST]" >&2; exit 2 ;;
esac
