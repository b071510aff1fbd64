#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Knowledge-base search against SQLite FTS5, in the same run.
#
#   bench/search.sh BUILD_DIR     (e.g. bench/search.sh build/release)
#
# Environment: CHUNKS=100000, QUERIES=300, RUNS=3.
#
# Builds bench/search_bench.c (target search_bench, not installed) in
# BUILD_DIR, then RUNS times: N chunks from data/kb-eval/docs (the real
# chunks, then fixed-seed perturbed copies), indexed by our index and by an
# in-memory FTS5 table (porter stemming), and query latency percentiles of
# our keyword, semantic and hybrid modes against FTS5 MATCH ... ORDER BY
# bm25 LIMIT 10, plus the exhaustive float scan and the recall@10 of the
# default semantic path (int8 prefilter + exact rescore) against it. Rates
# are printed by wall and by CPU time. Each run ends with PASS/FAIL lines
# for the goals: indexing >= 20 MiB/s of text for the whole path (built-in
# embedding + tokenize + BM25 postings + vectors, CPU time), hybrid p95 < 5 ms
# at 100k chunks, recall@10 >= 0.99. The machine is shared: read the runs
# side by side.
set -euo pipefail
build=${1:?usage: bench/search.sh BUILD_DIR}
build=${build%/workflowai}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
chunks=${CHUNKS:-100000}
queries=${QUERIES:-300}
runs=${RUNS:-3}
cmake --build "$build" --target search_bench -j2 >/dev/null
echo "== search: ${chunks} chunks, ${queries} queries, ${runs} runs ($(date -u +%Y-%m-%d))"
for r in $(seq 1 "$runs"); do
  echo "-- run $r"
  "$build/search_bench" "$root/data/kb-eval/docs" "$root/data/kb-eval/queries.jsonl" \
    "$chunks" "$queries"
done
