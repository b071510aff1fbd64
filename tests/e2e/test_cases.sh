#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Data-driven triage cases: tests/e2e/cases/NAME.log + NAME.expect.
. "$(dirname "$0")/lib.sh" "$@"
for log in "$SRC"/tests/e2e/cases/*.log; do
  name=$(basename "$log" .log)
  expect "$name: triage" 0 "$BIN" triage --format json "$log"
  cp "$TMP/out" "$TMP/$name.json"
  while read -r key value; do
    [ -n "$key" ] || continue
    case $key in
      category) has "$name: category $value" "$TMP/$name.json" "\"category\":\"$value\"" ;;
      failing_step) grep -qF "\"failing_step\":\"$value\"" "$TMP/$name.json" \
        && pass "$name: failing step" || failt "$name: failing step is not '$value'" ;;
      exit_code) has "$name: exit code $value" "$TMP/$name.json" "\"exit_code\":$value," ;;
      root_cause) grep -oE '"root_cause":"([^"\\]|\\.)*"' "$TMP/$name.json" | grep -qF -- "$value" \
        && pass "$name: root cause cites '$value'" || failt "$name: root cause lacks '$value'" ;;
      excerpt) grep -oE '"excerpt":\[.*\],"facts"' "$TMP/$name.json" | grep -qF -- "$value" \
        && pass "$name: excerpt has '$value'" || failt "$name: excerpt lacks '$value'" ;;
      *) failt "$name: unknown check '$key'" ;;
    esac
  done <"${log%.log}.expect"
done
done_tests
