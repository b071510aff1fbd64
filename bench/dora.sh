#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# DORA metrics over 10 M events: one year of weekly metrics.
#
#   bench/dora.sh BIN        (e.g. bench/dora.sh build/release/workflowai)
#
# Environment: EVENTS=10000000, RUNS=3, BENCH_CPU=0 (the core it is pinned to
# with taskset when taskset exists).
#
# `BIN dora --generate N` builds N synthetic events in memory (20 services,
# ~2.2 M deployments over the year before --until, two commits per
# deployment, 1 in 8 deployments failed, an incident per 40 deployments,
# in-progress statuses), then computes one year of weekly metrics for all
# services (this first computation sorts and deduplicates the set), the
# same again on the sorted set, and one service. It prints the times; this
# script reports the median of RUNS runs of each, and peak RSS.
# The goal is < 2 s for the year of weekly metrics.
set -euo pipefail
export LC_ALL=C

bin=${1:?usage: bench/dora.sh BIN}
[ -x "$bin" ] || { echo "bench: $bin is not executable (run make build)" >&2; exit 2; }
events=${EVENTS:-10000000}
runs=${RUNS:-3}
pin=()
command -v taskset >/dev/null && pin=(taskset -c "${BENCH_CPU:-0}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for i in $(seq "$runs"); do
  /usr/bin/env time -f 'rss_kb %M' "${pin[@]}" "$bin" dora --generate "$events" \
    --until 2026-11-23 >/dev/null 2>"$tmp/run$i"
done
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
gen=$(cat "$tmp"/run* | sed -n 's/.*generate \([0-9.]*\) s.*/\1/p' | median)
first=$(cat "$tmp"/run* | sed -n 's/.*first compute (sort + dedup + metrics) \([0-9.]*\) s.*/\1/p' | median)
again=$(cat "$tmp"/run* | sed -n 's/.*again on the sorted set \([0-9.]*\) s.*/\1/p' | median)
one=$(cat "$tmp"/run* | sed -n 's/.*one service \([0-9.]*\) s.*/\1/p' | median)
rss=$(cat "$tmp"/run* | sed -n 's/^rss_kb \([0-9]*\)/\1/p' | median)
head -1 "$tmp/run1"
printf 'dora: %s events, median of %s runs\n' "$events" "$runs"
printf '  generate (in memory)                         %8s s\n' "$gen"
printf '  one year weekly, first (sort+dedup+metrics)  %8s s   (goal < 2 s)\n' "$first"
printf '  one year weekly, again on the sorted set      %8s s\n' "$again"
printf '  one year weekly, one service (sorted set)    %8s s\n' "$one"
printf '  peak RSS                                     %8s MiB\n' "$((rss / 1024))"
