#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A throwaway PostgreSQL server for the tests (and the benchmark).
# Usage: scripts/pg-test.sh start|stop STATE_DIR PORT
#   start: initdb into a fresh temporary directory, start the server on
#          127.0.0.1:PORT (unix socket in the same temporary directory,
#          fsync on, trust authentication for user postgres), create the
#          database "workflowai". STATE_DIR remembers where the data lives.
#   stop:  stop the server and remove its data.
# PostgreSQL refuses to run as root: as root the server runs as the
# `postgres` user (runuser), otherwise as the calling user.
set -euo pipefail
cmd=${1:?usage: pg-test.sh start|stop STATE_DIR PORT}
state=${2:?state dir}
port=${3:?port}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
  echo "pg-test: PostgreSQL server binaries not found (scripts/deps.sh test installs postgresql)" >&2
  exit 1
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop() {
  [ -f "$state/datadir" ] || return 0
  local base
  base=$(cat "$state/datadir")
  if [ -d "$base/data" ]; then
    as_pg "$bindir/pg_ctl" -D "$base/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "$base" in
    /tmp/wf-pg.*) rm -rf "$base" ;;
  esac
  rm -f "$state/datadir"
}

case "$cmd" in
  start)
    mkdir -p "$state"
    stop # a server left over by an interrupted run
    base=$(mktemp -d /tmp/wf-pg.XXXXXX)
    echo "$base" >"$state/datadir"
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres: "$base"
    fi
    chmod 700 "$base"
    as_pg "$bindir/initdb" -D "$base/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      --no-instructions >"$base/initdb.log" 2>&1 || { cat "$base/initdb.log" >&2; stop; exit 1; }
    if ! as_pg "$bindir/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$base -c fsync=on -c max_connections=200" \
        start >/dev/null; then
      cat "$base/server.log" >&2 || true
      echo "pg-test: the server did not start (port $port in use?)" >&2
      stop
      exit 1
    fi
    as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres workflowai
    echo "pg-test: PostgreSQL on 127.0.0.1:$port (data in $base)"
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: pg-test.sh start|stop STATE_DIR PORT" >&2
    exit 2
    ;;
esac
