#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Scale-out ingest: signed webhooks into 1 and then 2 `workflowai serve`
# instances sharing one PostgreSQL store and one Redis (queue + rate
# limits), with the two anchors measured in the same run on the same
# machine: redis-benchmark XADD (appendfsync always) and pgbench's
# simple-update TPS on the same PostgreSQL server.
#
#   bench/scaleout.sh BIN        (e.g. bench/scaleout.sh build/release/workflowai)
#
# Environment: SECONDS_PER_RUN=10, CONNS=50, RUNS=2, BENCH_DIR.
#
# Requests are bench/ingest.sh's: one signed generic deployment event with a
# new X-WorkflowAI-Delivery per request (bench/ingest.lua), so every request
# is a new delivery committed to PostgreSQL before its 2xx. With 2 instances,
# two wrk processes run at once, CONNS/2 connections each, one per instance
# (what a load balancer in front would do); their req/s are added.
# Per run: XADD req/s, pgbench TPS, 1 and 2 instance req/s, and the ratios
# workflowai/pgbench and 2-instances/1-instance.
set -euo pipefail
export LC_ALL=C
bin=$(readlink -f "${1:?usage: bench/scaleout.sh BIN}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
secs=${SECONDS_PER_RUN:-10}
conns=${CONNS:-50}
runs=${RUNS:-2}
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/wf-scaleout.XXXXXX")
pids=()
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pgport=$(free_port)
rport=$(free_port)
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$root/scripts/redis-test.sh" stop "$dir/redis" "$rport" >/dev/null 2>&1 || true
  "$root/scripts/pg-test.sh" stop "$dir/pg" "$pgport" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

echo "== scaleout: machine $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"
"$root/scripts/pg-test.sh" start "$dir/pg" "$pgport" >/dev/null
"$root/scripts/redis-test.sh" start "$dir/redis" "$rport"
pg="postgres://postgres@127.0.0.1:$pgport"
redis="redis://127.0.0.1:$rport"
psql "$pg/workflowai" -qAt -c "CREATE DATABASE pgbench" >/dev/null
pgbench -i -s 10 -q "$pg/pgbench" >/dev/null 2>&1

store="$pg/workflowai?schema=bench"
"$bin" tenant add bench --generic-secret bench-secret --store "$store" >/dev/null
body='{"type":"deployment","id":"dep-1","repo":"acme/api","sha":"0123456789abcdef0123456789abcdef01234567","status":"completed","conclusion":"success","name":"production","occurred_at":"2026-11-20T12:00:00Z"}'
sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac bench-secret -r | cut -d' ' -f1)

start_serve() { # NAME -> sets $port (not in a subshell: pids must stay ours)
  "$bin" serve --listen 127.0.0.1:0 --port-file "$dir/$1.port" --store "$store" \
    --queue "$redis/1" --workers 0 --log-level warn --rate-limit 0 >/dev/null 2>"$dir/$1.log" &
  pids+=($!)
  for _ in $(seq 200); do [ -s "$dir/$1.port" ] && break; sleep 0.05; done
  port=$(cat "$dir/$1.port")
}

wrk_rps() { # PORT CONNS OUT
  BODY="$body" SIG="$sig" wrk -t1 -c"$2" -d"${secs}s" --latency -s "$here/ingest.lua" \
    "http://127.0.0.1:$1/v1/webhooks/generic?tenant=bench" >"$3" 2>&1
}

stop_serves() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
  rm -f "$dir"/*.port
}

for run in $(seq "$runs"); do
  echo "-- run $run"
  # redis-benchmark counts requests, not seconds: a short probe sizes the run
  xadd() {
    redis-benchmark -p "$rport" -c "$conns" -n "$1" -q XADD wfbench '*' payload \
      "$(head -c 512 /dev/zero | tr '\0' x)" 2>&1 | tr '\r' '\n' |
      grep -oE '[0-9.]+ requests per second' | tail -1 | cut -d' ' -f1
  }
  probe=$(xadd 2000)
  n=$(awk -v r="$probe" -v s="$secs" 'BEGIN {n = int(r * s); print n < 2000 ? 2000 : n}')
  redis_rps=$(xadd "$n")
  echo "anchor redis XADD appendfsync=always: $redis_rps req/s"
  redis-cli -p "$rport" DEL wfbench >/dev/null
  tps=$(pgbench -n -b simple-update -c "$conns" -j 2 -T "$secs" "$pg/pgbench" 2>&1 |
    awk '/^tps/ {print $3; exit}')
  echo "anchor pgbench simple-update: $tps tps"

  start_serve one
  p1=$port
  sleep 0.5
  wrk_rps "$p1" "$conns" "$dir/wrk1.txt"
  one=$(awk '/Requests\/sec/ {print $2}' "$dir/wrk1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$dir/wrk1.txt")
  bad=$(awk '/Non-2xx/ {print $NF}' "$dir/wrk1.txt")
  echo "workflowai 1 instance: $one req/s, p99 $p99, non-2xx ${bad:-0}"
  stop_serves

  start_serve a
  pa=$port
  start_serve b
  pb=$port
  sleep 0.5
  wrk_rps "$pa" $((conns / 2)) "$dir/wrka.txt" &
  w1=$!
  wrk_rps "$pb" $((conns - conns / 2)) "$dir/wrkb.txt" &
  w2=$!
  wait "$w1" "$w2"
  ra=$(awk '/Requests\/sec/ {print $2}' "$dir/wrka.txt")
  rb=$(awk '/Requests\/sec/ {print $2}' "$dir/wrkb.txt")
  bad=$(cat "$dir/wrka.txt" "$dir/wrkb.txt" | awk '/Non-2xx/ {s += $NF} END {print s + 0}')
  two=$(awk -v a="$ra" -v b="$rb" 'BEGIN {printf "%.2f", a + b}')
  echo "workflowai 2 instances: $two req/s ($ra + $rb), non-2xx $bad"
  stop_serves
  awk -v one="$one" -v two="$two" -v tps="$tps" -v x="$redis_rps" 'BEGIN {
    printf "ratio 1 instance/pgbench: %.2f, 2 instances/pgbench: %.2f, 2/1 instances: %.2f, 1 instance/redis XADD: %.2f\n",
      one / tps, two / tps, two / one, one / x }'
done
stored=$(psql "$pg/workflowai" -qAt -c "SELECT count(*) FROM bench.deliveries" 2>/dev/null || echo "?")
echo "deliveries stored in PostgreSQL: $stored"
