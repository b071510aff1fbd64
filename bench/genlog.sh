#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds a large, realistic failed CI log out of the real logs in the repository.
#
#   bench/genlog.sh [SIZE_MB] [OUT]
#
# SIZE_MB  size of the log in MiB (default 200; 1024 makes a 1 GiB log)
# OUT      output file (default ${TMPDIR:-/tmp}/workflowai-bench/ci-SIZE_MB.log)
#
# Layout (a Jenkins/Maven build of a big test suite that fails at the end):
#   1. the start of samples/maven-test-failure.log, up to the "T E S T S" banner;
#   2. the Maven output of the passing runs in tests/data/cidiff/*/pass.log,
#      repeated until the size is reached; each repetition rewrites every run of
#      up to 9 digits that is not part of a name (counts, timings, line numbers,
#      timestamps, versions; not "lang3" or "/maven2/") and not all zeros (so
#      "Failures: 0, Errors: 0" stays a pass) with a same-width pseudo-random
#      value, so repetitions are not byte-identical;
#   3. real [WARNING] lines sprinkled between chunks of about 40 lines, and
#      real error blocks from tests/data/cidiff/*/fail.log (compilation errors,
#      a Gradle test failure with its stack trace) at 1/4, 1/2 and 3/4 of the log;
#   4. the real failure at the end: samples/maven-test-failure.log from the
#      failing DurationUtilsTest run to "Finished: FAILURE".
# Output is deterministic: a fixed-seed Park-Miller generator in plain awk
# (same bytes with mawk and gawk; no regex intervals, which old mawk lacks),
# no bash loop per line. The log is never
# written into the repository.
set -euo pipefail
export LC_ALL=C

size_mb=${1:-200}
out=${2:-${TMPDIR:-/tmp}/workflowai-bench/ci-${size_mb}.log}
seed=${SEED:-20261123}
case $size_mb in ''|*[!0-9]*) echo "genlog: SIZE_MB must be a positive integer" >&2; exit 2 ;; esac
[ "$size_mb" -gt 0 ] || { echo "genlog: SIZE_MB must be > 0" >&2; exit 2; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sample=$root/samples/maven-test-failure.log
cid=$root/tests/data/cidiff
for f in "$sample" "$cid"/{astor_1260,casper_1774,commonslang_2089,cidiff_57}/{pass,fail}.log; do
  [ -r "$f" ] || { echo "genlog: missing $f" >&2; exit 1; }
done
mkdir -p "$(dirname "$out")"
case $(cd "$(dirname "$out")" && pwd -P)/ in
  "$(cd "$root" && pwd -P)"/*) echo "genlog: refusing to write into the repository: $out" >&2; exit 2 ;;
esac

AWK=${AWK:-$(command -v mawk || command -v gawk || command -v awk)}
pool=$(mktemp -d "${TMPDIR:-/tmp}/wf-genlog.XXXXXX")
tmp=$out.tmp.$$
trap 'rm -rf "$pool" "$tmp"' EXIT

# 1. head: the sample up to the line after the "T E S T S" banner.
"$AWK" '{ print } / T E S T S$/ { getline; print; exit }' "$sample" >"$pool/head"

# 2. body: each Maven pass log from its first [INFO] line to just before the
#    "[INFO] ---" line that precedes its last BUILD SUCCESS.
for j in astor_1260 casper_1774 commonslang_2089; do
  "$AWK" '!s && /^\[INFO\]/ { s = 1 } s { l[++n] = $0 } /BUILD SUCCESS/ { last = n }
          END { for (i = 1; i < last - 1; i++) print l[i] }' "$cid/$j/pass.log"
done >"$pool/body"

# 3. warnings: the distinct non-empty [WARNING] lines of all Maven logs.
cat "$sample" "$cid"/{astor_1260,casper_1774,commonslang_2089}/{pass,fail}.log |
  grep -E '^\[WARNING\] [^ ]' | sort -u >"$pool/warn"

#    error blocks, separated by a line holding only "%%":
{
  for j in astor_1260 casper_1774; do   # Maven compilation errors
    "$AWK" '/COMPILATION ERROR/ { s = 1 } s { print } s && /^\[INFO\] [0-9]+ errors? *$/ { exit }' "$cid/$j/fail.log"
    echo '%%'
  done
  # Gradle test failure with stack trace (GitHub Actions timestamps stripped)
  "$AWK" '/ > test.*\(\) FAILED/ { s = 1 } s && /tests completed/ { exit }
          s { sub(/^[0-9-]+T[0-9:.]+Z /, ""); print }' "$cid/cidiff_57/fail.log"
  echo '%%'
} >"$pool/err"

# 4. tail: the real failure, from the failing test run to the end.
"$AWK" '/Running org\.apache\.commons\.lang3\.time\.DurationUtilsTest/ { s = 1 } s' "$sample" >"$pool/tail"

for p in head body warn err tail; do
  [ -s "$pool/$p" ] || { echo "genlog: empty $p pool (input logs changed?)" >&2; exit 1; }
done

"$AWK" -v target=$((size_mb * 1048576)) -v seed="$seed" '
function rnd() { rs = (rs * 16807) % 2147483647; return rs }   # Park-Miller
# Splits body line n into literal text and the digit runs it will vary.
function prep(n, s,   k, m) {
  k = 0
  while (match(s, /[0-9]+/)) {
    m = RLENGTH
    if (m > 9 || substr(s, RSTART, m) ~ /^0+$/ || substr(s, RSTART - 1, 1) ~ /[A-Za-z\/_$]/ || substr(s, RSTART + m, 1) ~ /[A-Za-z_]/) {
      lit[n, k] = lit[n, k] substr(s, 1, RSTART + m - 1); s = substr(s, RSTART + m); continue
    }
    lit[n, k] = lit[n, k] substr(s, 1, RSTART - 1)
    k++; num[n, k] = substr(s, RSTART, m) + 0; fmt[n, k] = "%0" m "d"
    lo[n, k] = (substr(s, RSTART, 1) == "0") ? 0 : 10 ^ (m - 1)   # no new leading 0
    span[n, k] = 10 ^ m - lo[n, k]
    s = substr(s, RSTART + m)
  }
  lit[n, k] = lit[n, k] s; nk[n] = k
}
function emit(s) { print s; bytes += length(s) + 1 }
FILENAME == ARGV[1] { head[++nh] = $0; next }
FILENAME == ARGV[2] { nb++; lit[nb, 0] = ""; prep(nb, $0); next }
FILENAME == ARGV[3] { warn[++nw] = $0; next }
FILENAME == ARGV[4] { if ($0 == "%%") ne++; else { eb[ne + 1] = eb[ne + 1] $0 "\n"; ebn[ne + 1] += length($0) + 1 }; next }
FILENAME == ARGV[5] { tl[++nt] = $0; tlb += length($0) + 1; next }
END {
  rs = seed % 2147483647; if (rs <= 0) rs = 1
  for (i = 1; i <= nh; i++) emit(head[i])
  stop = target - tlb; nexterr = 1
  while (bytes < stop) {
    off = rnd()
    for (i = 1; i <= nb && bytes < stop; i++) {
      s = lit[i, 0]
      for (k = 1; k <= nk[i]; k++) {
        off = (off * 16807) % 2147483647
        s = s sprintf(fmt[i, k], lo[i, k] + (num[i, k] + off) % span[i, k]) lit[i, k]
      }
      print s; bytes += length(s) + 1
      if (i % 40 == 0) {                     # a chunk ends: maybe some warnings
        r = rnd()
        if (r % 4 == 0) for (w = r % 3; w >= 0; w--) emit(warn[1 + rnd() % nw])
        if (nexterr <= 3 && bytes >= stop * nexterr / 4) {   # an earlier error
          e = 1 + (nexterr - 1) % ne; printf "%s", eb[e]; bytes += ebn[e]; nexterr++
        }
      }
    }
  }
  for (i = 1; i <= nt; i++) emit(tl[i])
}' "$pool/head" "$pool/body" "$pool/warn" "$pool/err" "$pool/tail" >"$tmp"
mv -f "$tmp" "$out"
echo "$out"
