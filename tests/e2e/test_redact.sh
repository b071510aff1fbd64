#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `workflowai redact`: masked text, findings report, config, exit codes.
. "$(dirname "$0")/lib.sh" "$@"
cat >"$TMP/s.log" <<'LOG'
+ export GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789
[INFO] BUILD SUCCESS
+ git clone https://deploy:s3cr3tPassw0rd@git.example.com/x.git
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
-----END OPENSSH PRIVATE KEY-----
notify jane.doe@example.com password=hunter2hunter2
LOG
expect "redact a log" 0 "$BIN" redact "$TMP/s.log"
for s in ghp_aBcDeF s3cr3tPassw0rd b3BlbnNzaC1rZXkt jane.doe@example.com hunter2hunter2; do
  hasnt "masked: $s" "$TMP/out" "$s"
done
has "placeholders" "$TMP/out" '\[REDACTED:[a-z0-9-]+:[0-9a-f]{4}\]'
has "ordinary lines kept" "$TMP/out" '^\[INFO\] BUILD SUCCESS$'
[ "$(wc -l <"$TMP/out")" -eq "$(wc -l <"$TMP/s.log")" ] && pass "line count kept" || failt "line count changed"
cp "$TMP/out" "$TMP/first"
expect "same secret, same placeholder" 0 "$BIN" redact "$TMP/s.log"
cmp -s "$TMP/out" "$TMP/first" && pass "deterministic placeholders" || failt "placeholders differ between runs"
expect "stdin" 0 "$BIN" redact - <"$TMP/s.log"
cmp -s "$TMP/out" "$TMP/first" && pass "stdin gives the same text" || failt "stdin differs"

expect "findings report" 0 "$BIN" redact --report json "$TMP/s.log"
has "report names rules" "$TMP/out" '"rule": ?"github-token"'
has "report has positions" "$TMP/out" '"line": ?1, ?"column": ?[0-9]+'
hasnt "report holds no secret" "$TMP/out" "ghp_aBcDeF|hunter2hunter2|s3cr3tPassw0rd"

printf 'emails = off\n' >"$TMP/c.conf"
expect "config: e-mails off" 0 "$BIN" redact --config "$TMP/c.conf" "$TMP/s.log"
has "e-mail kept" "$TMP/out" "jane.doe@example.com"
hasnt "token still masked" "$TMP/out" "ghp_aBcDeF"
printf 'disable = no-such-rule\n' >"$TMP/bad.conf"
expect "config: unknown rule" 1 "$BIN" redact --config "$TMP/bad.conf" "$TMP/s.log"
mkdir -p "$TMP/fixtures" && cp "$TMP/s.log" "$TMP/fixtures/example.log"
printf 'allow_path = %s/fixtures/*.log\n' "$TMP" >"$TMP/p.conf"
expect "config: allow_path" 0 "$BIN" redact --config "$TMP/p.conf" "$TMP/fixtures/example.log"
cmp -s "$TMP/out" "$TMP/s.log" && pass "allowed path passed through" || failt "allowed path was changed"
expect "config: allow_path elsewhere" 0 "$BIN" redact --config "$TMP/p.conf" "$TMP/s.log"
hasnt "other paths still masked" "$TMP/out" "ghp_aBcDeF"
expect "missing file" 1 "$BIN" redact "$TMP/nope.log"
expect "bad usage" 2 "$BIN" redact --report yaml "$TMP/s.log"
expect "list rules" 0 "$BIN" redact --list-rules
has "rules listed" "$TMP/out" "github-token"
done_tests
