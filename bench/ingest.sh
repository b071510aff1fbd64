#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signed webhook ingest (HMAC verify + dedup + durable group commit) against
# Redis XADD with appendfsync always, in the same run on the same machine.
#
#   bench/ingest.sh BIN        (e.g. bench/ingest.sh build/release/workflowai)
#
# Environment: SECONDS_PER_RUN=10, CONNS=50, BENCH_DIR.
#
# 1. redis-server (Debian) on a loopback port, AOF on, appendfsync always,
#    data in a temp dir; `redis-benchmark -c CONNS XADD` (no pipelining):
#    every acknowledged XADD is fsynced, like our 2xx.
# 2. `BIN serve` on a temp SQLite store (workers off: ingest only), a tenant
#    with a generic-webhook secret; wrk -t1 -cCONNS sends a real signed
#    deployment event with a unique X-WorkflowAI-Delivery per request
#    (bench/ingest.lua), so every request is a new delivery committed to disk.
# Prints req/s of both, the ratio (goal >= 0.5), wrk's p50/p99 (goal p99 <
# 20 ms) and the server's idle RSS right after start (goal < 16 MB).
set -euo pipefail
export LC_ALL=C
bin=$(readlink -f "${1:?usage: bench/ingest.sh BIN}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
secs=${SECONDS_PER_RUN:-10}
conns=${CONNS:-50}
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/wf-ingest.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "== ingest: machine $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"

# ---- Redis XADD, appendfsync always
rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --dir "$dir" --appendonly yes \
  --appendfsync always --save '' --daemonize no --logfile "$dir/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
n=$((secs * 40000))
rout=$(redis-benchmark -p "$rport" -c "$conns" -n "$n" -q XADD wfbench '*' payload \
  "$(head -c 512 /dev/zero | tr '\0' x)" 2>&1 | tr '\r' '\n' | grep -E 'requests per second' | tail -1)
redis_rps=$(echo "$rout" | grep -oE '[0-9.]+ requests per second' | cut -d' ' -f1)
echo "redis XADD appendfsync=always: $redis_rps req/s ($rout)"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()

# ---- workflowai serve
store="sqlite:$dir/wf.db"
"$bin" tenant add bench --generic-secret bench-secret --store "$store" >/dev/null
"$bin" serve --listen 127.0.0.1:0 --port-file "$dir/port" --store "$store" --workers 0 \
  --log-level warn --rate-limit 0 ${SERVE_ARGS:-} 2>"$dir/serve.log" &
spid=$!
pids+=($spid)
for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
port=$(cat "$dir/port")
sleep 0.5
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$spid/status")
echo "workflowai serve idle RSS: $((rss_kb / 1024)) MB ($rss_kb kB)"
body='{"type":"deployment","id":"dep-1","repo":"acme/api","sha":"0123456789abcdef0123456789abcdef01234567","status":"completed","conclusion":"success","name":"production","occurred_at":"2026-11-20T12:00:00Z"}'
sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac bench-secret -r | cut -d' ' -f1)
BODY="$body" SIG="$sig" wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$here/ingest.lua" \
  "http://127.0.0.1:$port/v1/webhooks/generic?tenant=bench" >"$dir/wrk.txt" 2>&1
wf_rps=$(awk '/Requests\/sec/ {print $2}' "$dir/wrk.txt")
p50=$(awk '$1=="50%" {print $2}' "$dir/wrk.txt")
p99=$(awk '$1=="99%" {print $2}' "$dir/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$dir/wrk.txt")
echo "workflowai signed webhook ingest: $wf_rps req/s, p50 $p50, p99 $p99, non-2xx ${non2xx:-0}"
stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from deliveries').fetchone()[0])" "$dir/wf.db" 2>/dev/null || echo "?")
echo "deliveries stored: $stored"
awk -v a="$wf_rps" -v b="$redis_rps" 'BEGIN { if (b > 0) printf "ratio workflowai/redis: %.2f (goal >= 0.5)\n", a / b }'
