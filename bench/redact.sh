#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Redaction throughput on a large CI log, against grep.
#
#   bench/redact.sh BIN       (e.g. bench/redact.sh build/release/workflowai)
#
# Environment: SIZE_MB=200, RUNS=3, BENCH_DIR (default ${TMPDIR:-/tmp}/workflowai-bench),
# BENCH_CPU=0 (the core every command is pinned to with taskset).
#
# On the log bench/genlog.sh makes (reused when bench/run.sh already made it)
# it times, RUNS times each, median reported:
#   - grep -E -i -c with the alternation of the pre-filter keywords of every
#     rule on by default (from `BIN redact --list-rules`): the cost of merely
#     looking for the keywords;
#   - grep -P -c with the alternation of the same rules' PCRE2 patterns
#     (from `BIN redact --list-rules`), once: the same patterns without a
#     pre-filter;
#   - BIN redact LOG (redacted text to a file);
#   - BIN redact LOG --report json.
# MB means MiB. The goal is >= 200 MB/s for `redact` on one core.
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C

bin=${1:?usage: bench/redact.sh BIN}
[ -x "$bin" ] || { echo "bench: $bin is not executable (run make build)" >&2; exit 2; }
size_mb=${SIZE_MB:-200}
runs=${RUNS:-3}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/workflowai-bench}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
mkdir -p "$dir"

pin=()
cpu_id=${BENCH_CPU:-0}
if command -v taskset >/dev/null 2>&1 && taskset -c "$cpu_id" true 2>/dev/null; then pin=(taskset -c "$cpu_id"); fi

# Same cache key as bench/run.sh, so both reuse one log.
key=$(cat "$here/genlog.sh" "$root/samples/maven-test-failure.log" \
        "$root"/tests/data/cidiff/*/pass.log "$root"/tests/data/cidiff/*/fail.log | cksum | cut -d' ' -f1)
log=$dir/ci-${size_mb}MB-$key.log
if ! [ -f "$log" ] || [ "$(stat -c %s "$log")" -lt $((size_mb * 1048576)) ]; then
  rm -f "$dir/ci-${size_mb}MB-"*.log
  "$here/genlog.sh" "$size_mb" "$log" >/dev/null
fi
bytes=$(stat -c %s "$log")
cat "$log" >/dev/null   # page cache: every command reads from memory

# Keywords of the rules on by default, regex-escaped, as one alternation.
kw=$("$bin" redact --list-rules | awk -F'\t' '$2 == "on" && $3 != "-" { print $3 }' | tr '|' '\n' |
     sed 's/[][\.*^$()+?{}|/]/\\&/g' | sort -u | paste -sd'|')

# The same rules' patterns as one PCRE alternation, for grep -P: what a
# regex engine without our keyword pre-filter pays for the same rules.
pat=$("$bin" redact --list-rules | awk -F'\t' '$2 == "on" { printf "%s(?:%s)", sep, $5; sep = "|" }')

tmpd=$(mktemp -d "${TMPDIR:-/tmp}/wf-bench.XXXXXX")
trap 'rm -rf "$tmpd"' EXIT
now_ns() { date +%s%N; }
# timed LABEL OKMAX CMD...: output to a file (GNU grep stops early on /dev/null)
timed() {
  local label=$1 okmax=$2 t0 t1 rc=0; shift 2
  t0=$(now_ns)
  "${pin[@]}" "$@" >"$tmpd/out" 2>"$tmpd/err" || rc=$?
  t1=$(now_ns)
  if [ "$rc" -gt "$okmax" ]; then echo "bench: FAILED (exit $rc): $*" >&2; cat "$tmpd/err" >&2; exit 1; fi
  echo $(( (t1 - t0) / 1000 )) >>"$tmpd/$label"
}
median() { sort -n "$tmpd/$1" | awk '{ t[NR] = $1 / 1e6 } END { printf "%.3f\n", (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'; }
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", (s > 0) ? b / 1048576 / s : 0 }'; }

for ((i = 1; i <= runs; i++)); do
  timed grep 1 grep -E -i -c "$kw" "$log"
  matches=$(cat "$tmpd/out")
  timed text 0 "$bin" redact "$log"
  timed json 0 "$bin" redact "$log" --report json
done
findings=$(awk -F': ' '/"n_findings"/ { print $2 }' "$tmpd/out")
timed grepP 1 grep -P -c "$pat" "$log" # once: it is slow

g=$(median grep); t=$(median text); j=$(median json); gp=$(median grepP)
echo "WorkflowAI redact benchmark"
echo "commit:  $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "cpu:     $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1), pinned: ${pin[*]:-no}"
echo "log:     $log ($(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB, $(wc -l <"$log") lines)"
echo
printf '%-44s %8s %8s\n' "command (median of $runs)" "wall s" "MB/s"
printf '%-44s %8s %8s\n' "grep -E -i -c <$(echo "$kw" | tr '|' '\n' | wc -l) rule keywords>" "$g" "$(mbps "$g")"
printf '%-44s %8s %8s\n' "grep -P -c <the rules' patterns> (1 run)" "$gp" "$(mbps "$gp")"
printf '%-44s %8s %8s\n' "workflowai redact" "$t" "$(mbps "$t")"
printf '%-44s %8s %8s\n' "workflowai redact --report json" "$j" "$(mbps "$j")"
echo "(grep counted $matches lines with a keyword; redact reported $findings findings)"
awk -v t="$(mbps "$t")" -v g="$(mbps "$g")" 'BEGIN {
  printf "ratio redact_MBps / grep_MBps: %.3f\n", t / g
  printf "goal redact >= 200 MB/s on one core: %s (%.1f MB/s)\n", (t >= 200) ? "met" : "NOT met", t }'
