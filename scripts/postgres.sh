#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks (the `db` service-group driver).
#
#   scripts/postgres.sh start        initdb a cluster in a fresh temp dir, start it on a free loopback
#                                    port (trust auth on loopback only), print its URL
#   scripts/postgres.sh stop         stop exactly that cluster and delete its data
#   scripts/postgres.sh status       exit 0 when it runs
#   scripts/postgres.sh url          print postgresql://oslo@127.0.0.1:PORT/oslo
#   scripts/postgres.sh stop_server  stop the server, keep its data and port (outage tests)
#   scripts/postgres.sh start_server start it again on the same port
#   scripts/postgres.sh psql ARGS... psql on that cluster
#
# OSLO_NODE_POSTGRES_MAX_CONNECTIONS sets max_connections (default 100; the service-group
# simulation opens one connection per simulated host). Tests run without fsync;
# OSLO_NODE_POSTGRES_DURABLE=1 keeps PostgreSQL's durable defaults (benchmarks).
# PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` user (Debian's
# package creates it) or else `nobody`, in a temp dir that user owns. The state (URL, data dir,
# port) is kept under .tmp/postgres next to this repository (or $OSLO_NODE_POSTGRES_DIR).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BASE="${OSLO_NODE_POSTGRES_DIR:-$SCRIPT_DIR/../.tmp/postgres}"
mkdir -p "$BASE"
BASE=$(cd "$BASE" && pwd)

die() { echo "postgres.sh: $*" >&2; exit 1; }

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do [[ -x $dir/initdb ]] && { echo "$dir"; return 0; }; done
  command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# The user the server runs as, and how to run a command as that user.
run_user() {
  if [[ $(id -u) -ne 0 ]]; then id -un; elif id postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
}
as_user() {
  local user
  user=$(run_user)
  if [[ $(id -u) -eq 0 ]]; then setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups -- "$@"; else "$@"; fi
}

load_env() {
  [[ -f "$BASE/env" ]] || return 1
  # shellcheck disable=SC1091
  source "$BASE/env"
}

running() {
  load_env || return 1
  as_user "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

start_server() {
  load_env || die "no cluster made (run: scripts/postgres.sh start)"
  as_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=${PG_MAX_CONNECTIONS:-100} ${PG_FAST_OPTIONS:-}" \
    start >/dev/null || { tail -n 30 "$PG_DIR/server.log" >&2 || true; die "server did not start"; }
}

stop_server() {
  load_env || return 0
  as_user "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

start() {
  if running; then cat "$BASE/url"; return 0; fi
  stop_quietly
  local bin dir user port
  bin=$(pg_bin) || die "PostgreSQL is not installed (bash scripts/system-deps.sh installs Debian's postgresql)"
  user=$(run_user)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/oslo-node-pg.XXXXXX")
  chmod 700 "$dir"
  [[ $(id -u) -eq 0 ]] && chown "$user:$(id -g "$user")" "$dir"
  port=$(free_port)
  cat >"$BASE/env" <<EOF
PG_BIN=$bin
PG_DIR=$dir
PG_DATA=$dir/data
PG_PORT=$port
PG_MAX_CONNECTIONS=${OSLO_NODE_POSTGRES_MAX_CONNECTIONS:-100}
PG_FAST_OPTIONS="$([[ ${OSLO_NODE_POSTGRES_DURABLE:-0} == 1 ]] || echo '-c fsync=off -c synchronous_commit=off -c full_page_writes=off')"
EOF
  load_env
  # Trust on loopback only: the cluster listens on 127.0.0.1 and a socket in its private dir.
  as_user "$PG_BIN/initdb" -D "$PG_DATA" -U oslo --auth=trust -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
    || { tail -n 20 "$PG_DIR/initdb.log" >&2; stop_quietly; die "initdb failed"; }
  start_server
  as_user "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U oslo oslo || { stop_quietly; die "createdb failed"; }
  echo "postgresql://oslo@127.0.0.1:$PG_PORT/oslo" >"$BASE/url"
  cat "$BASE/url"
}

stop_quietly() {
  load_env || return 0
  stop_server
  # Only the dir this script made (its name is ours), never anything else.
  [[ $PG_DIR == */oslo-node-pg.* ]] && rm -rf "$PG_DIR"
  rm -f "$BASE/env" "$BASE/url"
}

case "${1:-}" in
  start) start ;;
  stop) stop_quietly ;;
  status) running && echo "running: $(cat "$BASE/url")" || { echo "not running"; exit 1; } ;;
  url) [[ -f "$BASE/url" ]] && cat "$BASE/url" || die "no cluster started" ;;
  stop_server) stop_server ;;
  start_server) start_server ;;
  psql) shift; load_env || die "no cluster started"; as_user "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U oslo oslo "$@" ;;
  *) echo "usage: $0 start|stop|status|url|stop_server|start_server|psql ARGS" >&2; exit 2 ;;
esac
