#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Triage of real CI logs (tests/data, samples): report content, formats,
# stdin, signatures, hostile input, training, and extraction quality.
. "$(dirname "$0")/lib.sh" "$@"
D=$SRC/tests/data
SAMPLE=$SRC/samples/maven-test-failure.log

expect "triage the sample" 0 "$BIN" triage "$SAMPLE"
has "category is test_failure" "$TMP/out" "^Category: +test_failure"
has "names the failing test" "$TMP/out" "DurationUtilsTest.testOfConsumer"
has "cites the assertion location" "$TMP/out" "DurationUtilsTest.java:84"
has "failing step is surefire" "$TMP/out" "^Failing step: maven-surefire-plugin"
has "has next steps" "$TMP/out" "^  1\. "
has "excerpt shows the assertion" "$TMP/out" "expected: <true> but was: <false>"

expect "json report" 0 "$BIN" triage --format json "$SAMPLE"
cp "$TMP/out" "$TMP/sample.json"
for f in schema_version failing_step category confidence signature excerpt root_cause fix_steps references; do
  has "json has $f" "$TMP/sample.json" "\"$f\":"
done
has "json excerpt has line numbers" "$TMP/sample.json" '"excerpt":\[\{"start_line":[0-9]+,"end_line":[0-9]+,"score":[0-9.]+,"kind":"'
has "json counts input bytes exactly" "$TMP/sample.json" "\"bytes\":$(wc -c <"$SAMPLE" | tr -d ' '),"
sig=$(grep -oE '"signature":"[0-9a-f]{16}"' "$TMP/sample.json")
[ -n "$sig" ] && pass "signature is 16 hex digits" || failt "signature format"

expect "lines only" 0 "$BIN" triage --lines "$SAMPLE"
has "lines are ranges" "$TMP/out" '^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$'
has "lines cover the assertion (line 791)" "$TMP/out" '(^|,)(7[0-8][0-9]-(79[1-9]|8[0-9][0-9])|79[01]-[0-9]+)'

expect "stdin" 0 "$BIN" triage --lines - <"$SAMPLE"
cmp -s "$TMP/out" <("$BIN" triage --lines "$SAMPLE") && pass "stdin gives the same lines" || failt "stdin differs"

# the same failure in another run (other timestamps, durations, build numbers) keeps its signature
sed -E 's/[0-9]+\.[0-9]+ s/9.999 s/g; s/2022-05-29T08:17:09/2023-01-01T00:00:00/; s/2089/3001/g' "$SAMPLE" >"$TMP/rerun.log"
sig2=$("$BIN" triage --format json "$TMP/rerun.log" | grep -oE '"signature":"[0-9a-f]{16}"')
[ "$sig" = "$sig2" ] && pass "signature stable across runs" || failt "signature changed: $sig vs $sig2"
sig3=$("$BIN" triage --format json "$D/cidiff/astor_1260/fail.log" | grep -oE '"signature":"[0-9a-f]{16}"')
[ "$sig" != "$sig3" ] && pass "another failure has another signature" || failt "signatures collide"

expect "jenkins compile failure" 0 "$BIN" triage "$D/cidiff/astor_1260/fail.log"
has "compile failure is compile_error" "$TMP/out" "^Category: +compile_error"
has "compile location cited" "$TMP/out" "FlacocoFaultLocalization.java:\[71,65\]"

expect "gh run view log with a passing log" 0 "$BIN" triage --format json --pass "$D/cidiff/cidiff_11/pass.log" "$D/cidiff/cidiff_11/fail.log"
has "passing log used" "$TMP/out" '"passing_log":true'
has "github flavour" "$TMP/out" '"flavor":"github-actions"'
has "test step named" "$TMP/out" '"failing_step":"build cidiff"'

expect "logdx lint failure" 0 "$BIN" triage --format json "$D/logdx/lint-react-001/raw.log"
has "failing step from ##[group]Run" "$TMP/out" '"failing_step":"Run yarn prettier-check"'

# hostile input: binary, NUL bytes, a 3 MB line, CR-only line ends
head -c 200000 /dev/urandom >"$TMP/random.bin"
expect "binary input" 0 "$BIN" triage "$TMP/random.bin"
{ printf 'start\r'; head -c 3000000 /dev/zero | tr '\0' 'x'; printf '\rerror: boom\r'; } >"$TMP/long.log"
expect "megabyte line" 0 "$BIN" triage --lines "$TMP/long.log"
has "line numbers count bare CR" "$TMP/out" '^3$'
: >"$TMP/empty.log"
expect "empty log" 0 "$BIN" triage --format json "$TMP/empty.log"
has "empty log is unknown" "$TMP/out" '"category":"unknown"'

# secrets in the log never reach the report
{ cat "$SAMPLE"; printf 'export GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyzABCDEF0123\nerror: deploy failed with password=Sup3rS3cretValue\n'; } >"$TMP/secret.log"
expect "log with secrets" 0 "$BIN" triage --format json --max-blocks 10 "$TMP/secret.log"
hasnt "token masked" "$TMP/out" "ghp_abcdefghij"
hasnt "password masked" "$TMP/out" "Sup3rS3cretValue"
has "mask shown" "$TMP/out" "REDACTED"

# redaction switches reach triage: e-mails masked by default, kept when off
printf 'build\nerror: cannot notify build-owner@example.com: mailbox unavailable\n' >"$TMP/mail.log"
expect "e-mail masked by default" 0 "$BIN" triage --format json "$TMP/mail.log"
hasnt "no e-mail in the report" "$TMP/out" "build-owner@example.com"
printf 'emails = off\n' >"$TMP/redact.conf"
expect "redaction config" 0 "$BIN" triage --format json --redact-config "$TMP/redact.conf" "$TMP/mail.log"
has "e-mail kept with emails = off" "$TMP/out" "build-owner@example.com"
printf 'emails = maybe\n' >"$TMP/bad.conf"
expect "malformed redaction config" 1 "$BIN" triage --redact-config "$TMP/bad.conf" "$TMP/mail.log"
has "config error names the line" "$TMP/err" "bad.conf:1"

# training round trip: retrain from the bundled corpus, use the model
expect "train triage" 0 "$BIN" train triage "$SRC"/data/triage-train/*.txt -o "$TMP/t.model" --version e2e-1
has "train reports records" "$TMP/out" "on [0-9]+ records"
expect "triage with trained model" 0 "$BIN" triage --format json --model "$TMP/t.model" "$SAMPLE"
has "model version reported" "$TMP/out" '"model_version":"e2e-1"'

# extraction quality on the bundled labelled cases (real logs, see tests/data/README.md)
expect "eval lines with passing logs" 0 "$BIN" eval lines --json "$D/cidiff"
f1=$(grep -oE '"mean":\{[^}]*"f1":[0-9.]+' "$TMP/out" | grep -oE '[0-9.]+$')
awk -v f="$f1" 'BEGIN{exit !(f >= 0.70)}' && pass "cidiff F1 with passing logs $f1 >= 0.70" || failt "cidiff F1 $f1 < 0.70"
expect "eval lines without passing logs" 0 "$BIN" eval lines --no-pass --json "$D/cidiff"
f1=$(grep -oE '"mean":\{[^}]*"f1":[0-9.]+' "$TMP/out" | grep -oE '[0-9.]+$')
awk -v f="$f1" 'BEGIN{exit !(f >= 0.60)}' && pass "cidiff F1 without passing logs $f1 >= 0.60" || failt "cidiff F1 $f1 < 0.60"
expect "eval category" 0 "$BIN" eval category "$D/logdx"
has "category eval prints accuracy" "$TMP/out" "^accuracy [0-9.]+"
done_tests
