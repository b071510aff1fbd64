#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A throw-away Redis for the tests: redis-server on 127.0.0.1:PORT with its
# data (append-only file, fsync on every write, no RDB snapshots) in DIR,
# daemonized with a pid file. `stop` kills it and removes DIR.
# Usage: scripts/redis-test.sh start|stop|restart DIR PORT
set -euo pipefail
cmd=${1:?usage: redis-test.sh start|stop|restart DIR PORT}
dir=${2:?missing DIR}
port=${3:?missing PORT}

stop() {
  if [ -f "$dir/redis.pid" ]; then
    pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/redis.pid"
  fi
}

start() {
  command -v redis-server >/dev/null || { echo "redis-test: redis-server not installed (scripts/deps.sh test)" >&2; exit 1; }
  mkdir -p "$dir"
  stop
  # the port sits in the kernel's ephemeral range: a client socket may hold
  # it for a moment, so a failed bind is tried again
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly yes \
      --appendfsync always --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" \
      --logfile "$dir/redis.log" --protected-mode yes >/dev/null
    for _ in $(seq 100); do
      redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && return 0
      grep -q "Address already in use" "$dir/redis.log" 2>/dev/null && break
      sleep 0.05
    done
    stop
    : >"$dir/redis.log"
    sleep 1
  done
  echo "redis-test: redis-server did not start on port $port" >&2
  exit 1
}

case "$cmd" in
  start) start ;;
  restart) stop; start ;;
  stop) stop; rm -rf "$dir" ;;
  *) echo "usage: redis-test.sh start|stop|restart DIR PORT" >&2; exit 2 ;;
esac
