#!/usr/bin/env bash
# A throwaway RabbitMQ broker for tests and benchmarks.
#
#   scripts/rabbitmq.sh start       install Debian's rabbitmq-server if missing, start a private node
#                                   on free ports, wait until it accepts AMQP, print its URL
#   scripts/rabbitmq.sh stop        stop exactly that node (and its private epmd), drop its data
#   scripts/rabbitmq.sh status      exit 0 when the node runs
#   scripts/rabbitmq.sh url         print amqp://guest:guest@127.0.0.1:PORT/
#   scripts/rabbitmq.sh stop_app|start_app     stop/start the RabbitMQ app (broker restart tests)
#   scripts/rabbitmq.sh list_queues|list_exchanges|list_connections|list_channels|list_consumers
#   scripts/rabbitmq.sh ctl ARGS... rabbitmqctl -n NODE ARGS...
#
#   scripts/rabbitmq.sh --rabbitmq4 COMMAND    the same against a RabbitMQ 4 broker run from the
#                                   Debian trixie root (scripts/trixie-root.sh builds or reuses it),
#                                   configured as RabbitMQ 4.3 ships:
#                                   deprecated_features.permit.transient_nonexcl_queues = false
#
# Everything lives under .tmp/rabbitmq next to this repository (.tmp/rabbitmq4 with --rabbitmq4;
# or $OSLO_NODE_RABBITMQ_DIR). The node has its own name, its own epmd port, distribution port and
# AMQP port, so a system broker (or another checkout's) is never touched. Only the guest user
# exists, and RabbitMQ allows it on loopback only.
# OSLO_NODE_RABBITMQ_ROOT=DIR runs the broker of the Debian root DIR through chroot (what
# --rabbitmq4 sets to the trixie root). The broker cannot see outside its root, so its config and
# data then live in DIR/tmp/oslo-node-rabbitmq/NODE (a tmpfs); the control files stay in the folder above.
#
# Hooks for tests that need more (TLS listeners, clusters), read by `start`:
#   OSLO_NODE_RABBITMQ_EXTRA_CONF   lines appended to the node's rabbitmq.conf
#   OSLO_NODE_RABBITMQ_PLUGINS      comma-separated plugins to enable (rabbitmq_auth_mechanism_ssl)
#   OSLO_NODE_RABBITMQ_EPMD_PORT    epmd port to use instead of a free one, and
#   OSLO_NODE_RABBITMQ_COOKIE_FILE  Erlang cookie to copy: nodes that share both can form a
#                                   cluster (scripts/rabbitmq-cluster.sh)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEFAULT_BASE="$SCRIPT_DIR/../.tmp/rabbitmq"
if [[ "${1:-}" == "--rabbitmq4" ]]; then
  shift
  OSLO_NODE_RABBITMQ_ROOT="${OSLO_NODE_RABBITMQ_ROOT:-$(bash "$SCRIPT_DIR/trixie-root.sh" --path)}"
  DEFAULT_BASE="$SCRIPT_DIR/../.tmp/rabbitmq4"
fi
# OSLO_NODE_RABBITMQ_DIR: another folder, for a second private broker (the broker-restart test).
BASE="${OSLO_NODE_RABBITMQ_DIR:-$DEFAULT_BASE}"
mkdir -p "$BASE"
BASE=$(cd "$BASE" && pwd)
RMQ_BIN=/usr/lib/rabbitmq/bin
# The Debian root the broker runs from ("" = this system's rabbitmq-server). A started node
# records its root in $BASE/env, so stop/status/ctl find it without the flag.
ROOT="${OSLO_NODE_RABBITMQ_ROOT:-}"
# The command prefix that runs the broker's programs (chroot ROOT, or nothing); set by load_env.
RUN=()

die() { echo "rabbitmq.sh: $*" >&2; exit 1; }

# A free TCP port on 127.0.0.1 (the kernel picks it).
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

install_if_missing() {
  if [[ -n $ROOT ]]; then
    # Builds the root once (minutes), then only checks its stamp and mounts proc and /tmp.
    OSLO_NODE_TRIXIE_ROOT="$ROOT" bash "$SCRIPT_DIR/trixie-root.sh" >/dev/null
    [[ -x "$ROOT$RMQ_BIN/rabbitmq-server" ]] || die "$ROOT has no rabbitmq-server"
    return 0
  fi
  [[ -x "$RMQ_BIN/rabbitmq-server" ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "rabbitmq-server is not installed and installing it needs root"
  echo "rabbitmq.sh: installing rabbitmq-server" >&2
  apt-get update -qq
  # policy-rc.d 101 keeps the package's own system broker from being started by the install.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created_policy=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
  [[ $created_policy -eq 1 ]] && rm -f "$policy"
  return 0
}

# The environment that both the server and rabbitmqctl need to find this node.
load_env() {
  [[ -f "$BASE/env" ]] || return 1
  # shellcheck disable=SC1091
  source "$BASE/env"
  ROOT="$NODE_ROOT"
  RUN=()
  [[ -n $ROOT ]] && RUN=(chroot "$ROOT")
  # NODE_DIR: the node's folder as the broker sees it (inside its root, if any).
  export HOME="$NODE_DIR/home" ERL_EPMD_PORT RABBITMQ_NODENAME ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_CONF_ENV_FILE="$NODE_DIR/rabbitmq-env.conf"
  # An Erlang VM that dies (the node, or rabbitmqctl's) writes its erl_crash.dump here, not into
  # whatever folder the caller ran us from (the clone).
  export ERL_CRASH_DUMP="$NODE_DIR/log/erl_crash.dump"
  # Every rabbitmqctl on the machine listens for distribution on a port of 35672-35682 by default:
  # eleven at once, shared by every broker test running here (a cluster's start runs several
  # together); the twelfth fails with "Distribution failed ... nodistribution". A hundred ports.
  export RABBITMQ_CTL_DIST_PORT_MIN="${RABBITMQ_CTL_DIST_PORT_MIN:-35672}"
  export RABBITMQ_CTL_DIST_PORT_MAX="${RABBITMQ_CTL_DIST_PORT_MAX:-$((RABBITMQ_CTL_DIST_PORT_MIN + 100))}"
}

ctl() { load_env || die "no broker started (run: scripts/rabbitmq.sh start)"; "${RUN[@]}" "$RMQ_BIN/rabbitmqctl" -q -n "$RABBITMQ_NODENAME" "$@"; }

running() {
  load_env || return 1
  [[ -f "$BASE/server.pid" ]] && kill -0 "$(cat "$BASE/server.pid")" 2>/dev/null || return 1
  timeout 20 "${RUN[@]}" "$RMQ_BIN/rabbitmqctl" -q -n "$RABBITMQ_NODENAME" status >/dev/null 2>&1
}

# True when PORT answers an AMQP-ish garbage header with "AMQP" (how amqplib's CI probes).
amqp_answers() {
  local port=$1 reply
  reply=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'HELLO\r\n\r\n' >&3; head -c 4 <&3" 2>/dev/null || true)
  [[ $reply == AMQP ]]
}

# rabbitmq.conf lines for a broker from a root (RabbitMQ 4), as upstream 4.3 ships it: transient
# non-exclusive queues denied. A small Raft WAL keeps quorum queues' memory and tmpfs use modest.
# OSLO_NODE_RABBITMQ_PERMIT_TRANSIENT=1 leaves them permitted (4.0's default), for a benchmark
# that compares classic transient queues with quorum ones on one broker.
rabbitmq4_conf() {
  [[ ${OSLO_NODE_RABBITMQ_PERMIT_TRANSIENT:-} == 1 ]] || echo 'deprecated_features.permit.transient_nonexcl_queues = false'
  echo 'raft.wal_max_size_bytes = 64000000'
}

start() {
  if running; then cat "$BASE/url"; return 0; fi
  install_if_missing
  stop_quietly
  local amqp_port dist_port epmd_port node host_dir node_dir
  # OSLO_NODE_RABBITMQ_PORT: a fixed AMQP port (a test that starts its clients before the broker).
  amqp_port=${OSLO_NODE_RABBITMQ_PORT:-$(free_port)}; dist_port=$(free_port); epmd_port=${OSLO_NODE_RABBITMQ_EPMD_PORT:-$(free_port)}
  node="oslo-node-test-$$@localhost"
  if [[ -n $ROOT ]]; then
    node_dir="/tmp/oslo-node-rabbitmq/${node%@*}"
    host_dir="$ROOT$node_dir"
  else
    node_dir="$BASE"
    host_dir="$BASE"
  fi
  mkdir -p "$host_dir/home" "$host_dir/mnesia" "$host_dir/log" "$BASE/log"
  # A private cookie: rabbitmqctl and the node must agree, nothing else may talk to the node.
  if [[ -n ${OSLO_NODE_RABBITMQ_COOKIE_FILE:-} ]]; then
    install -m 400 "$OSLO_NODE_RABBITMQ_COOKIE_FILE" "$host_dir/home/.erlang.cookie"
  elif [[ ! -f "$host_dir/home/.erlang.cookie" ]]; then
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$host_dir/home/.erlang.cookie"
    chmod 400 "$host_dir/home/.erlang.cookie"
  fi
  {
    echo "listeners.tcp.1 = 127.0.0.1:$amqp_port"
    echo 'loopback_users.guest = true'
    echo 'disk_free_limit.absolute = 50MB'
    echo 'log.console = false'
    echo 'log.file.level = warning'
    if [[ -n $ROOT ]]; then rabbitmq4_conf; fi
    if [[ -n ${OSLO_NODE_RABBITMQ_EXTRA_CONF:-} ]]; then printf '%s\n' "$OSLO_NODE_RABBITMQ_EXTRA_CONF"; fi
  } >"$host_dir/rabbitmq.conf"
  echo "[${OSLO_NODE_RABBITMQ_PLUGINS:-}]." >"$host_dir/enabled_plugins"
  : >"$host_dir/rabbitmq-env.conf"
  # OWN_EPMD=0: the epmd was given (a cluster's, shared by its nodes); stop leaves it running.
  printf 'ERL_EPMD_PORT=%s\nRABBITMQ_NODENAME=%s\nNODE_ROOT=%q\nNODE_DIR=%q\nHOST_DIR=%q\nOWN_EPMD=%s\n' \
    "$epmd_port" "$node" "$ROOT" "$node_dir" "$host_dir" "$([[ -n ${OSLO_NODE_RABBITMQ_EPMD_PORT:-} ]] && echo 0 || echo 1)" >"$BASE/env"
  load_env
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$amqp_port RABBITMQ_DIST_PORT=$dist_port
  export RABBITMQ_MNESIA_BASE="$node_dir/mnesia" RABBITMQ_LOG_BASE="$node_dir/log"
  export RABBITMQ_CONFIG_FILE="$node_dir/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$node_dir/enabled_plugins"
  export RABBITMQ_PID_FILE="$node_dir/server.erlpid"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  # setsid: the broker must not die with the shell that started it, nor get its signals.
  # env -C: the node runs in its own folder, where Mnesia drops its MnesiaCore.* files when it
  # fails (chroot alone would leave it in the root's /, no chroot in the caller's folder).
  setsid "${RUN[@]}" env -C "$node_dir" "$RMQ_BIN/rabbitmq-server" >"$BASE/log/startup.log" 2>&1 </dev/null &
  echo $! >"$BASE/server.pid"
  local tries=0
  until amqp_answers "$amqp_port"; do
    tries=$((tries + 1))
    if (( tries > 90 )) || ! kill -0 "$(cat "$BASE/server.pid")" 2>/dev/null; then
      tail -n 30 "$BASE/log/startup.log" >&2 || true
      local why="did not accept AMQP on port $amqp_port within 90 s"
      kill -0 "$(cat "$BASE/server.pid")" 2>/dev/null || why="exited while booting (AMQP port $amqp_port; its output is above)"
      stop_quietly
      die "broker $why"
    fi
    sleep 1
  done
  timeout 60 "${RUN[@]}" "$RMQ_BIN/rabbitmqctl" -q -n "$node" await_startup --timeout 50 >/dev/null \
    || { stop_quietly; die "broker did not finish booting"; }
  echo "amqp://guest:guest@127.0.0.1:$amqp_port/" >"$BASE/url"
  echo "$node" >"$BASE/node"
  cat "$BASE/url"
}

# Stop our node if one was started; never touches a process we did not record.
stop_quietly() {
  load_env || return 0
  local pid=""
  [[ -f "$BASE/server.pid" ]] && pid=$(cat "$BASE/server.pid")
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    timeout 30 "${RUN[@]}" "$RMQ_BIN/rabbitmqctl" -q -n "$RABBITMQ_NODENAME" stop >/dev/null 2>&1 || true
    local i
    for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      # The wrapper's process group (setsid made it ours alone): the shell and its beam.
      kill -TERM -- "-$pid" 2>/dev/null || true
      sleep 1
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  fi
  # The epmd on our private port was started by our node; ask it (not a system one) to exit.
  # A given one (a cluster's) serves the other nodes: its owner stops it.
  if [[ ${OWN_EPMD:-1} == 1 ]]; then "${RUN[@]}" epmd -port "$ERL_EPMD_PORT" -kill >/dev/null 2>&1 || true; fi
  # A root's node folder goes entirely (a fresh data dir each start); ours keeps its cookie.
  if [[ -n $ROOT ]]; then rm -rf "$HOST_DIR"; else rm -rf "$BASE/mnesia"; fi
  rm -rf "$BASE/url" "$BASE/node" "$BASE/server.pid" "$BASE/server.erlpid" "$BASE/env"
}

case "${1:-}" in
  start) start ;;
  stop) stop_quietly ;;
  status) running && echo "running: $(cat "$BASE/node") $(cat "$BASE/url")" || { echo "not running"; exit 1; } ;;
  url) [[ -f "$BASE/url" ]] && cat "$BASE/url" || die "no broker started" ;;
  stop_app) ctl stop_app ;;
  start_app) ctl start_app && ctl await_startup --timeout 50 ;;
  list_queues) ctl list_queues name durable auto_delete exclusive arguments consumers messages --formatter json ;;
  list_exchanges) ctl list_exchanges name type durable auto_delete internal arguments --formatter json ;;
  list_connections) ctl list_connections pid name timeout client_properties --formatter json ;;
  list_channels) ctl list_channels name connection consumer_count --formatter json ;;
  list_consumers) ctl list_consumers queue_name consumer_tag ack_required prefetch_count arguments --formatter json ;;
  list_bindings) ctl list_bindings source_name destination_name routing_key --formatter json ;;
  ctl) shift; ctl "$@" ;;
  *) echo "usage: $0 [--rabbitmq4] start|stop|status|url|stop_app|start_app|list_queues|list_exchanges|list_connections|list_channels|list_consumers|list_bindings|ctl ARGS" >&2; exit 2 ;;
esac
