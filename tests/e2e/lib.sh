# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the end-to-end tests: `. lib.sh BIN SRC`.
set -u
BIN=$1
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
pass() { printf 'ok   %s\n' "$1"; }
failt() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
# expect NAME WANT_STATUS CMD...: runs CMD, stdout to $TMP/out, stderr to $TMP/err
expect() {
  local name=$1 want=$2; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then pass "$name"; else
    failt "$name (exit $got, want $want)"; sed 's/^/     /' "$TMP/err" | head -5; fi
}
# has NAME FILE PATTERN: grep -E PATTERN in FILE
has() { if grep -qE -- "$3" "$2"; then pass "$1"; else failt "$1 (no /$3/ in $2)"; head -c 600 "$2" | sed 's/^/     /'; fi; }
hasnt() { if grep -qE -- "$3" "$2"; then failt "$1 (/$3/ in $2)"; else pass "$1"; fi; }
done_tests() { [ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }; echo "all checks passed"; }
