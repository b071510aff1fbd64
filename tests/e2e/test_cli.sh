#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The command line: help, version, usage errors and their exit codes.
. "$(dirname "$0")/lib.sh" "$@"

expect "no arguments is a usage error" 2 "$BIN"
has "usage lists the commands" "$TMP/err" "triage"
expect "--help" 0 "$BIN" --help
for c in triage redact train eval version; do has "--help lists $c" "$TMP/out" "^  $c "; done
expect "version" 0 "$BIN" version
has "version prints a version" "$TMP/out" '^workflowai [0-9]+\.[0-9]+\.[0-9]+$'
expect "--version" 0 "$BIN" --version
expect "unknown command" 2 "$BIN" frobnicate
has "unknown command is named" "$TMP/err" "frobnicate"
for c in triage redact train eval "eval lines" "eval templates" "eval category"; do
  expect "$c --help" 0 $BIN $c --help
  has "$c --help shows usage" "$TMP/out" "^usage: workflowai $c"
done
expect "triage without a log" 2 "$BIN" triage
has "says what is missing" "$TMP/err" "missing the log"
expect "triage unknown option" 2 "$BIN" triage --bogus x
expect "triage bad format" 2 "$BIN" triage --format yaml "$SRC/samples/maven-test-failure.log"
has "bad format named" "$TMP/err" "yaml"
expect "triage bad --max-blocks" 2 "$BIN" triage --max-blocks 0 "$SRC/samples/maven-test-failure.log"
expect "triage missing file" 1 "$BIN" triage "$TMP/nope.log"
has "missing file named" "$TMP/err" "nope.log"
expect "triage unreadable model" 1 "$BIN" triage --model "$TMP/nope.model" "$SRC/samples/maven-test-failure.log"
printf 'workflowai-model 1\nversion x\n' >"$TMP/bad.model"
expect "triage malformed model" 1 "$BIN" triage --model "$TMP/bad.model" "$SRC/samples/maven-test-failure.log"
expect "train needs data" 2 "$BIN" train triage
printf 'stray text\n### category: unknown\nx\n' >"$TMP/bad.txt"
expect "train rejects malformed corpus" 1 "$BIN" train triage "$TMP/bad.txt" -o "$TMP/m"
has "train names file and line" "$TMP/err" "bad.txt:1"
[ ! -e "$TMP/m" ] && pass "no half-written model" || failt "model written despite error"
expect "train to an unwritable place" 1 "$BIN" train triage "$SRC/data/triage-train/unknown.txt" -o "$TMP/no/such/dir/m" --folds 0
has "names the target" "$TMP/err" "cannot write"
ls "$TMP/no" >/dev/null 2>&1 && failt "left files behind" || pass "nothing left behind"
expect "eval unknown kind" 2 "$BIN" eval nope "$TMP"
expect "eval lines on a folder without cases" 1 "$BIN" eval lines "$TMP"
done_tests
