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
# Everything lives under .tmp/rabbitmq next to this repository (or $OSLO_NODE_RABBITMQ_DIR). The node has its own name, its own
# epmd port, distribution port and AMQP port, so a system broker (or another checkout's) is never
# touched. Only the guest user exists, and RabbitMQ allows it on loopback only.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# OSLO_NODE_RABBITMQ_DIR: another folder, for a second private broker (the broker-restart test).
BASE="${OSLO_NODE_RABBITMQ_DIR:-$SCRIPT_DIR/../.tmp/rabbitmq}"
mkdir -p "$BASE"
BASE=$(cd "$BASE" && pwd)
RMQ_BIN=/usr/lib/rabbitmq/bin

die() { echo "rabbitmq.sh: $*" >&2; exit 1; }

# A free TCP port on 127.0.0.1 (the kernel picks it).
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

install_if_missing() {
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
  export HOME="$BASE/home" ERL_EPMD_PORT RABBITMQ_NODENAME ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_CONF_ENV_FILE="$BASE/rabbitmq-env.conf"
}

ctl() { load_env || die "no broker started (run: scripts/rabbitmq.sh start)"; "$RMQ_BIN/rabbitmqctl" -q -n "$RABBITMQ_NODENAME" "$@"; }

running() {
  load_env || return 1
  [[ -f "$BASE/server.pid" ]] && kill -0 "$(cat "$BASE/server.pid")" 2>/dev/null || return 1
  timeout 20 "$RMQ_BIN/rabbitmqctl" -q -n "$RABBITMQ_NODENAME" status >/dev/null 2>&1
}

# True when PORT answers an AMQP-ish garbage header with "AMQP" (how amqplib's CI probes).
amqp_answers() {
  local port=$1 reply
  reply=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'HELLO\r\n\r\n' >&3; head -c 4 <&3" 2>/dev/null || true)
  [[ $reply == AMQP ]]
}

start() {
  if running; then cat "$BASE/url"; return 0; fi
  install_if_missing
  stop_quietly
  local amqp_port dist_port epmd_port node
  amqp_port=$(free_port); dist_port=$(free_port); epmd_port=$(free_port)
  node="oslo-node-test-$$@localhost"
  mkdir -p "$BASE/home" "$BASE/mnesia" "$BASE/log"
  # A private cookie: rabbitmqctl and the node must agree, nothing else may talk to the node.
  if [[ ! -f "$BASE/home/.erlang.cookie" ]]; then
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$BASE/home/.erlang.cookie"
    chmod 400 "$BASE/home/.erlang.cookie"
  fi
  cat >"$BASE/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$amqp_port
loopback_users.guest = true
disk_free_limit.absolute = 50MB
log.console = false
log.file.level = warning
EOF
  echo '[].' >"$BASE/enabled_plugins"
  : >"$BASE/rabbitmq-env.conf"
  cat >"$BASE/env" <<EOF
ERL_EPMD_PORT=$epmd_port
RABBITMQ_NODENAME=$node
EOF
  load_env
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$amqp_port RABBITMQ_DIST_PORT=$dist_port
  export RABBITMQ_MNESIA_BASE="$BASE/mnesia" RABBITMQ_LOG_BASE="$BASE/log"
  export RABBITMQ_CONFIG_FILE="$BASE/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$BASE/enabled_plugins"
  export RABBITMQ_PID_FILE="$BASE/server.erlpid"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  # setsid: the broker must not die with the shell that started it, nor get its signals.
  setsid "$RMQ_BIN/rabbitmq-server" >"$BASE/log/startup.log" 2>&1 </dev/null &
  echo $! >"$BASE/server.pid"
  local tries=0
  until amqp_answers "$amqp_port"; do
    tries=$((tries + 1))
    if (( tries > 90 )) || ! kill -0 "$(cat "$BASE/server.pid")" 2>/dev/null; then
      tail -n 30 "$BASE/log/startup.log" >&2 || true
      stop_quietly
      die "broker did not accept AMQP on port $amqp_port within 90 s"
    fi
    sleep 1
  done
  timeout 60 "$RMQ_BIN/rabbitmqctl" -q -n "$node" await_startup --timeout 50 >/dev/null \
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
    timeout 30 "$RMQ_BIN/rabbitmqctl" -q -n "$RABBITMQ_NODENAME" stop >/dev/null 2>&1 || true
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
  epmd -port "$ERL_EPMD_PORT" -kill >/dev/null 2>&1 || true
  rm -rf "$BASE/mnesia" "$BASE/url" "$BASE/node" "$BASE/server.pid" "$BASE/server.erlpid" "$BASE/env"
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
  *) echo "usage: $0 start|stop|status|url|stop_app|start_app|list_queues|list_exchanges|list_connections|list_channels|list_consumers|list_bindings|ctl ARGS" >&2; exit 2 ;;
esac
