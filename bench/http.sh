#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# HTTP throughput of a server's GET /health against nginx, both on loopback.
#
#   bench/http.sh '<server command that listens on $PORT>'
#   e.g. bench/http.sh 'build/release/workflowai serve --port $PORT --io-threads 1'
#
# The command is run with bash after PORT is exported (single-quote it so
# $PORT is expanded by the script, not by your shell). nginx (Debian
# nginx-light) runs with worker_processes 1, access_log off and
#   location = /health { default_type application/json; return 200 '{"status":"ok"}'; }
# Each server gets `wrk -t1 -c50 -d${DURATION}s` after a 1 s warm-up; the
# script prints both req/s and the ratio server / nginx (goal >= 0.8 with one
# I/O thread). Environment: DURATION=10, CONNS=50, NGINX_PORT=18080,
# SERVER_PORT=18081.
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C

cmd=${1:?usage: bench/http.sh '<server command listening on \$PORT>'}
duration=${DURATION:-10}
conns=${CONNS:-50}
nginx_port=${NGINX_PORT:-18080}
server_port=${SERVER_PORT:-18081}
for tool in wrk nginx curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is not installed" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wf-bench-http.XXXXXX")
nginx_pid=
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/logs"
cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        location = /health { default_type application/json; return 200 '{"status":"ok"}'; }
    }
}
EOF

wait_up() { # port
    for _ in $(seq 100); do
        curl -fsS "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bench: nothing answers on port $1" >&2
    return 1
}

rps() { # port -> req/s
    wrk -t1 -c"$conns" -d1s "http://127.0.0.1:$1/health" >/dev/null
    wrk -t1 -c"$conns" -d"${duration}s" "http://127.0.0.1:$1/health" |
        awk '/^Requests\/sec:/ { print $2 }'
}

nginx -p "$tmp" -c "$tmp/nginx.conf" 2>"$tmp/logs/stderr" &
nginx_pid=$!
wait_up "$nginx_port"
nginx_rps=$(rps "$nginx_port")
kill "$nginx_pid"
wait "$nginx_pid" 2>/dev/null || true
nginx_pid=

PORT=$server_port bash -c "$cmd" &
server_pid=$!
wait_up "$server_port"
server_rps=$(rps "$server_port")

printf 'nginx (1 worker)  %12.0f req/s\n' "$nginx_rps"
printf 'server            %12.0f req/s\n' "$server_rps"
awk -v s="$server_rps" -v n="$nginx_rps" 'BEGIN { printf "ratio server/nginx %11.2f\n", s / n }'
