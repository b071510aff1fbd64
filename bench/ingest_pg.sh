#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signed webhook ingest through `serve --store postgres://...` against the
# same with SQLite, anchored on pgbench's simple-update TPS on the same
# PostgreSQL server, in the same run on the same machine.
#
#   bench/ingest_pg.sh BIN     (e.g. bench/ingest_pg.sh build/release/workflowai)
#
# Environment: SECONDS_PER_RUN=10, CONNS=50, POOL=16, ROUNDS=2, BENCH_DIR.
#
# 1. A throwaway PostgreSQL (scripts/pg-test.sh: fsync on, synchronous_commit
#    on, defaults otherwise) on a free loopback port.
# 2. pgbench -b simple-update (scale 10, CONNS clients, no vacuum): each
#    transaction is one UPDATE + SELECT + INSERT committed durably, the
#    database's own small-write rate on this machine.
# 3. `BIN serve --store postgres://.../workflowai?pool=POOL` (workers off),
#    wrk -t1 -cCONNS posting a signed deployment event with a new delivery id
#    per request (bench/ingest.lua): each 2xx is one committed transaction.
# 4. The same with `--store sqlite:...` (group commit).
# Anchor and ours alternate ROUNDS times (the machine is shared: timings are
# noisy); prints each run, the best of each, and the ratios
# postgres-ingest/pgbench (goal >= 0.5: a webhook costs no more than two
# pgbench transactions) and postgres-ingest/sqlite-ingest.
set -euo pipefail
export LC_ALL=C
bin=$(readlink -f "${1:?usage: bench/ingest_pg.sh BIN}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
secs=${SECONDS_PER_RUN:-10}
conns=${CONNS:-50}
pool=${POOL:-16}
rounds=${ROUNDS:-2}
dir=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/wf-ingest-pg.XXXXXX")
chmod 755 "$dir"
spid=""
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pgport=$(free_port)
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null || true
  wait 2>/dev/null || true
  "$root/scripts/pg-test.sh" stop "$dir/pg" "$pgport" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

echo "== ingest_pg: machine $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"
"$root/scripts/pg-test.sh" start "$dir/pg" "$pgport" >/dev/null
pgurl="postgres://postgres@127.0.0.1:$pgport"
pgbench -i -q -s 10 -h 127.0.0.1 -p "$pgport" -U postgres workflowai >/dev/null 2>&1
psql -q -h 127.0.0.1 -p "$pgport" -U postgres -c "CREATE DATABASE wf" workflowai

body='{"type":"deployment","id":"dep-1","repo":"acme/api","sha":"0123456789abcdef0123456789abcdef01234567","status":"completed","conclusion":"success","name":"production","occurred_at":"2026-11-20T12:00:00Z"}'
sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac bench-secret -r | cut -d' ' -f1)

# serve STORE: prints req/s (and details on stderr)
serve_rps() {
  local store=$1 label=$2
  rm -f "$dir/port"
  "$bin" serve --listen 127.0.0.1:0 --port-file "$dir/port" --store "$store" --workers 0 \
    --log-level warn --rate-limit 0 2>"$dir/serve.log" &
  spid=$!
  for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
  local port
  port=$(cat "$dir/port")
  BODY="$body" SIG="$sig" TAG="$label-$r-" wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$here/ingest.lua" \
    "http://127.0.0.1:$port/v1/webhooks/generic?tenant=bench" >"$dir/wrk.txt" 2>&1
  kill "$spid"; wait "$spid" 2>/dev/null || true; spid=""
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$dir/wrk.txt")
  p50=$(awk '$1=="50%" {print $2}' "$dir/wrk.txt")
  p99=$(awk '$1=="99%" {print $2}' "$dir/wrk.txt")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$dir/wrk.txt")
  echo "  workflowai ingest, $label: $rps req/s, p50 $p50, p99 $p99, non-2xx ${non2xx:-0}" >&2
  echo "$rps"
}

pg_store="$pgurl/wf?pool=$pool"
sq_store="sqlite:$dir/wf.db"
"$bin" tenant add bench --generic-secret bench-secret --store "$pg_store" >/dev/null
"$bin" tenant add bench --generic-secret bench-secret --store "$sq_store" >/dev/null

best_pgb=0 best_pg=0 best_sq=0
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b) ? a : b }'; }
for r in $(seq "$rounds"); do
  echo "round $r:"
  tps=$(pgbench -n -b simple-update -c "$conns" -j 2 -T "$secs" -h 127.0.0.1 -p "$pgport" \
    -U postgres workflowai 2>/dev/null | awk '/^tps/ {print $3; exit}')
  echo "  pgbench simple-update: $tps tps"
  best_pgb=$(max "$best_pgb" "$tps")
  best_pg=$(max "$best_pg" "$(serve_rps "$pg_store" "postgres")")
  best_sq=$(max "$best_sq" "$(serve_rps "$sq_store" "sqlite")")
done
stored=$(psql -tAq -h 127.0.0.1 -p "$pgport" -U postgres -c "SELECT count(*) FROM deliveries" wf)
echo "deliveries stored in postgres: $stored (every 2xx of every round is a new delivery)"
echo "best: pgbench $best_pgb tps, postgres ingest $best_pg req/s, sqlite ingest $best_sq req/s"
awk -v a="$best_pg" -v b="$best_pgb" -v c="$best_sq" 'BEGIN {
  if (b > 0) printf "ratio postgres-ingest/pgbench: %.2f (goal >= 0.5)\n", a / b
  if (c > 0) printf "ratio postgres-ingest/sqlite-ingest: %.2f\n", a / c }'
